/**
 * Synthetic video temporal grounding: "When is the red square visible?" A short video (ffmpeg
 * lavfi: a plain grey background on which a coloured square is shown between two times) is made
 * per sample, then sampled to N frames through the video modality (sampleVideoFrames: exact frame
 * timestamps), and the frames are laid out as one contact-sheet image (reading order) whose frame
 * times are listed in the prompt. The answer is the span [start, end] in seconds of the original
 * video (Sample `answer.span`), scored by geometry.temporal_iou (Charades-STA tIoU) + format.
 *
 * Both times are multiples of 1/fps, and a frame shows the square exactly when
 * start ≤ t ≤ end (ffmpeg `between(t, start, end)`). Deterministic by seed: the same seed gives
 * byte-identical JSONL, videos (ffv1, bit-exact flags) and PNGs.
 *
 * Model answer format: <think>…</think><answer>[start, end]</answer>
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { formatZodError, type SampleInput, type Span } from '../schema.js';
import { encodeRgbPng } from '../../modalities/svg/png.js';
import { runFfmpeg, sampleVideoFrames } from '../../modalities/video/index.js';
import { lastErrorLine } from '../../modalities/video/ffmpeg.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { GlimpseError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { COLORS, type ColorName } from './grounding.js';
import type { SyntheticTask } from './index.js';
import { checkSplitSizes } from './svg.js';
import { manifestMatches, writeManifest, writeSplit, type TaskManifest } from './write.js';

export const TemporalOptionsSchema = z
  .object({
    duration: z.number().int().min(2).max(60).default(8).describe('video length in seconds'),
    fps: z.number().int().min(1).max(30).default(4).describe('video frame rate; span ends are multiples of 1/fps'),
    frames: z.number().int().min(2).max(32).default(8).describe('frames sampled from the video and shown to the model'),
    size: z.number().int().min(16).max(448).default(56).describe('frame side in pixels (a multiple of 28 keeps the model input equal to the original)'),
    columns: z.number().int().min(1).max(32).default(4).describe('frames per row of the contact sheet'),
    min_length: z.number().min(0.5).default(2).describe('shortest event in seconds (longer than the gap between sampled frames keeps every event visible)'),
    colors: z.array(z.enum(Object.keys(COLORS) as [ColorName, ...ColorName[]])).min(1).default(Object.keys(COLORS) as ColorName[]),
  })
  .strict()
  .refine((o) => o.min_length <= o.duration - 1, { message: 'min_length must be at most duration − 1 second', path: ['min_length'] })
  .refine((o) => o.frames <= o.duration * o.fps, { message: 'frames must be at most duration · fps', path: ['frames'] });
export type TemporalOptions = z.input<typeof TemporalOptionsSchema>;
type Resolved = z.output<typeof TemporalOptionsSchema>;

export function parseTemporalOptions(o: unknown): Resolved {
  const r = TemporalOptionsSchema.safeParse(o ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `temporal task options: ${formatZodError(r.error)}`);
  const { lo, hi, min } = spanFrames(r.data);
  if (hi - lo < min) {
    throw new GlimpseError('bad_config', `temporal task options: no room for an event of min_length ${r.data.min_length} s between 0.5 s and ${r.data.duration - 0.5} s at ${r.data.fps} fps`);
  }
  return r.data;
}

export interface TemporalItem {
  color: ColorName;
  /** Top-left of the square, in frame pixels, and its side. */
  x: number;
  y: number;
  side: number;
  span: Span;
}

const BACKGROUND = '#808080';

/** The event's frame-index bounds: [first, last] start frame and the shortest length, in frames. */
function spanFrames(o: Resolved): { lo: number; hi: number; min: number } {
  return { lo: Math.ceil(0.5 * o.fps), hi: Math.floor((o.duration - 0.5) * o.fps), min: Math.ceil(o.min_length * o.fps - 1e-9) };
}

/** Draws one event: colour, place, and a span of whole frames inside [0.5 s, duration − 0.5 s]. */
export function makeTemporalItem(rng: Rng, o: Resolved): TemporalItem {
  const side = Math.max(4, Math.round(o.size * 0.3));
  const x = rng.int(2, o.size - side - 1);
  const y = rng.int(2, o.size - side - 1);
  const { lo, hi, min } = spanFrames(o);
  const s = rng.int(lo, hi - min + 1);
  const e = rng.int(s + min, hi + 1);
  return { color: rng.pick(o.colors), x, y, side, span: [s / o.fps, e / o.fps] };
}

/** Writes the item's video (ffv1 in Matroska, bit-exact) to `path`. */
export async function writeTemporalVideo(path: string, item: TemporalItem, o: Resolved): Promise<void> {
  const hex = COLORS[item.color].slice(1);
  const [s, e] = item.span;
  const args = [
    '-f', 'lavfi', '-i', `color=c=0x${BACKGROUND.slice(1)}:s=${o.size}x${o.size}:r=${o.fps}:d=${o.duration}`,
    '-vf', `format=yuv444p,drawbox=x=${item.x}:y=${item.y}:w=${item.side}:h=${item.side}:color=0x${hex}@1:t=fill:enable='between(t,${s},${e})'`,
    '-c:v', 'ffv1', '-pix_fmt', 'yuv444p', '-threads', '1', '-fflags', '+bitexact', '-flags', '+bitexact', '-map_metadata', '-1', '-y', path,
  ];
  const r = await runFfmpeg(args, { timeoutMs: 60_000, name: path });
  if (r.code !== 0) throw new GlimpseError('media_error', `temporal: ffmpeg could not make ${path}: ${lastErrorLine(r.stderr)}`);
}

/** Lays frames out in reading order, `columns` per row, each with a 1-px dark border. */
export function contactSheet(frames: Array<{ width: number; height: number; data: Uint8Array }>, columns: number): { width: number; height: number; data: Uint8Array } {
  const f0 = frames[0]!;
  const cols = Math.min(columns, frames.length);
  const rows = Math.ceil(frames.length / cols);
  const W = cols * f0.width;
  const H = rows * f0.height;
  const out = new Uint8Array(W * H * 3).fill(255);
  frames.forEach((f, k) => {
    const ox = (k % cols) * f0.width;
    const oy = Math.floor(k / cols) * f0.height;
    for (let y = 0; y < f.height; y++) {
      for (let x = 0; x < f.width; x++) {
        const o = ((oy + y) * W + ox + x) * 3;
        const edge = x === 0 || y === 0 || x === f.width - 1 || y === f.height - 1;
        for (let c = 0; c < 3; c++) out[o + c] = edge ? 32 : f.data[(y * f.width + x) * 3 + c]!;
      }
    }
  });
  return { width: W, height: H, data: out };
}

/** The instruction listing the frame times. */
export function temporalPrompt(color: ColorName, times: number[], duration: number, columns: number): string {
  return (
    `The image shows ${times.length} frames of a video of ${duration} seconds, ${columns} per row in reading order, taken at ` +
    `${times.map((t) => `${t.toFixed(2)}s`).join(', ')}. When is the ${color} square visible? Answer [start, end] in seconds.`
  );
}

/** The reference completion for a span. */
export function temporalSolution(span: Span): string {
  const f = (v: number) => String(Math.round(v * 1000) / 1000);
  return `<think></think><answer>[${f(span[0])}, ${f(span[1])}]</answer>`;
}

async function makeSample(out: string, split: string, i: number, item: TemporalItem, o: Resolved): Promise<SampleInput> {
  const stem = `${split}-${String(i).padStart(6, '0')}`;
  const video = `videos/${stem}.mkv`;
  const image = `images/${stem}.png`;
  await writeTemporalVideo(join(out, video), item, o);
  const v = await sampleVideoFrames(join(out, video), { sampling: { frames: o.frames }, resize: 'none', cache: false }, video);
  const times = v.frames.map((f) => Math.round(f.time * 1e6) / 1e6);
  const sheet = contactSheet(v.frames, o.columns);
  await writeFileAtomic(join(out, image), encodeRgbPng(sheet.width, sheet.height, sheet.data));
  return {
    id: `${split}-${i}`,
    prompt: temporalPrompt(item.color, times, o.duration, o.columns),
    media: [{ kind: 'image', path: image, meta: { frame_times: times, columns: o.columns, frame_size: [o.size, o.size] } }],
    answer: { span: item.span, label: `${item.color} square` },
    task: 'temporal',
    meta: { video, duration: o.duration, fps: o.fps, square: [item.x, item.y, item.x + item.side, item.y + item.side] },
  };
}

/** The `temporal` synthetic task (see the module comment). */
export const temporalTask: SyntheticTask = {
  name: 'temporal',
  description: 'video temporal grounding: when is the coloured square visible? frames of an ffmpeg-made video as one contact sheet; answer [start, end] seconds (tIoU)',
  pipeline: {
    rewards: [
      { name: 'format.think_answer', weight: 0.5 },
      { name: 'geometry.temporal_iou', weight: 1 },
    ],
  },
  solution(sample) {
    const s = sample.answer.span;
    if (!s) throw new GlimpseError('bad_input', `sample ${sample.id} has no answer.span`);
    return temporalSolution(s);
  },
  async generate(out, { seed, splits, options = {} }) {
    checkSplitSizes('temporal', splits);
    const o = parseTemporalOptions(options);
    const manifest: TaskManifest = { task: 'temporal', version: 1, seed, splits, options: o };
    const files = [join(out, 'train.jsonl'), join(out, 'test.jsonl')];
    if (manifestMatches(out, manifest)) return { reused: true, files };
    await mkdir(join(out, 'videos'), { recursive: true });
    for (const [split, count, offset] of [['train', splits.train, 0], ['test', splits.test, 1]] as const) {
      const rng = new Rng(seed * 2 + offset);
      const items = Array.from({ length: count }, () => makeTemporalItem(rng, o));
      const samples: SampleInput[] = [];
      // two ffmpeg pipelines at a time; the order of the samples does not depend on timing
      for (let i = 0; i < count; i += 2) samples.push(...(await Promise.all(items.slice(i, i + 2).map((it, k) => makeSample(out, split, i + k, it, o)))));
      await writeSplit(out, split, samples);
    }
    await writeManifest(out, manifest);
    return { reused: false, files };
  },
};
