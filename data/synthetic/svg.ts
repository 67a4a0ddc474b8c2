/**
 * Synthetic SVG drawing: "Draw a blue circle in the top-left of a 240×240 canvas." A text-only
 * prompt; the completion is an SVG program in <answer>, scored by rendering it (drawing.shapes:
 * is a blob of the asked colour and shape inside the asked cell of a 3×3 grid?).
 *
 * Ground truth (Sample vocabulary): `answer.bbox` = the target cell in SVG user units (the
 * canvas, viewBox `0 0 W W`), `answer.color` = the CSS hex colour, `answer.shape`,
 * `answer.label` = e.g. `blue circle`. Deterministic by seed; no media files.
 *
 * Model answer format:
 *   <think>…</think><answer><svg viewBox="0 0 240 240">…</svg></answer>   (xmlns optional)
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { BBox, SampleInput } from '../schema.js';
import { formatZodError } from '../schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import type { SyntheticTask } from './index.js';
import { manifestMatches, writeManifest, writeSplit, type TaskManifest } from './write.js';
import { COLORS, SHAPES, type ColorName, type Shape } from './grounding.js';

/** The 3×3 grid cells by name, as [column, row]. */
export const REGIONS = {
  'top-left': [0, 0],
  top: [1, 0],
  'top-right': [2, 0],
  left: [0, 1],
  centre: [1, 1],
  right: [2, 1],
  'bottom-left': [0, 2],
  bottom: [1, 2],
  'bottom-right': [2, 2],
} as const satisfies Record<string, readonly [number, number]>;
export type RegionName = keyof typeof REGIONS;

export const SvgTaskOptionsSchema = z
  .object({
    canvas: z.number().int().min(30).max(4096).default(240).describe('side of the square SVG canvas (viewBox 0 0 canvas canvas), in user units'),
    colors: z.array(z.enum(Object.keys(COLORS) as [ColorName, ...ColorName[]])).min(1).default(Object.keys(COLORS) as ColorName[]).describe('colours to ask for'),
    shapes: z.array(z.enum(SHAPES)).min(1).default([...SHAPES]).describe('shapes to ask for'),
  })
  .strict();
export type SvgTaskOptions = z.input<typeof SvgTaskOptionsSchema>;

/** Parses task options; GlimpseError('bad_config') naming the field. */
export function parseSvgTaskOptions(o: unknown): z.output<typeof SvgTaskOptionsSchema> {
  const r = SvgTaskOptionsSchema.safeParse(o ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `svg task options: ${formatZodError(r.error)}`);
  return r.data;
}

export interface SvgDrawingItem {
  canvas: number;
  color: ColorName;
  shape: Shape;
  region: RegionName;
  /** The cell in user units. */
  bbox: BBox;
  prompt: string;
}

/** The cell `region` of a `canvas`-wide grid, in user units. */
export function regionBox(region: RegionName, canvas: number): BBox {
  const [c, r] = REGIONS[region];
  const cell = canvas / 3;
  const q = (v: number) => Math.round(v * 100) / 100;
  return [q(c * cell), q(r * cell), q((c + 1) * cell), q((r + 1) * cell)];
}

/** The instruction for one item. */
export function svgPrompt(color: ColorName, shape: Shape, region: RegionName, canvas: number): string {
  const where = region === 'centre' ? 'in the centre' : `in the ${region}`;
  return (
    `Draw a ${color} ${shape} ${where} of a ${canvas}×${canvas} canvas (the canvas is split into a 3×3 grid; fill the shape, at least half the cell wide). ` +
    `Answer with an SVG program: <svg viewBox="0 0 ${canvas} ${canvas}">…</svg>.`
  );
}

/** Draws one item's parameters. */
export function makeSvgItem(rng: Rng, options: SvgTaskOptions = {}): SvgDrawingItem {
  const o = parseSvgTaskOptions(options);
  const color = rng.pick(o.colors);
  const shape = rng.pick(o.shapes);
  const region = rng.pick(Object.keys(REGIONS) as RegionName[]);
  return { canvas: o.canvas, color, shape, region, bbox: regionBox(region, o.canvas), prompt: svgPrompt(color, shape, region, o.canvas) };
}

/** The reference drawing: the shape filled, centred in the cell, 60% of the cell wide. */
export function svgReference(canvas: number, bbox: BBox, shape: Shape, fill: string): string {
  const q = (v: number) => Math.round(v * 100) / 100;
  const cx = (bbox[0] + bbox[2]) / 2;
  const cy = (bbox[1] + bbox[3]) / 2;
  const h = (Math.min(bbox[2] - bbox[0], bbox[3] - bbox[1]) * 0.6) / 2;
  const body =
    shape === 'circle'
      ? `<circle cx="${q(cx)}" cy="${q(cy)}" r="${q(h)}" fill="${fill}"/>`
      : shape === 'square'
        ? `<rect x="${q(cx - h)}" y="${q(cy - h)}" width="${q(2 * h)}" height="${q(2 * h)}" fill="${fill}"/>`
        : `<polygon points="${q(cx)},${q(cy - h)} ${q(cx + h)},${q(cy + h)} ${q(cx - h)},${q(cy + h)}" fill="${fill}"/>`;
  // no xmlns: the renderer accepts a bare <svg>, and a short program is easier for a small model to learn
  return `<svg viewBox="0 0 ${canvas} ${canvas}">${body}</svg>`;
}

/** The Sample of one item (text only: no media). */
export function svgSample(id: string, item: SvgDrawingItem): SampleInput {
  return {
    id,
    prompt: item.prompt,
    media: [],
    answer: { bbox: item.bbox, color: COLORS[item.color], shape: item.shape, label: `${item.color} ${item.shape}` },
    task: 'svg',
    meta: { canvas: item.canvas, region: item.region },
  };
}

/** The reference completion of a sample (empty think, the reference SVG in <answer>). */
export function svgSolution(answer: Record<string, unknown>, canvas: number): string {
  const bbox = answer.bbox as BBox | undefined;
  const color = answer.color;
  const shape = answer.shape;
  if (!Array.isArray(bbox) || typeof color !== 'string' || !(SHAPES as readonly unknown[]).includes(shape)) {
    throw new GlimpseError('bad_input', 'svg sample needs answer.bbox, answer.color and answer.shape');
  }
  return `<think></think><answer>${svgReference(canvas, bbox, shape as Shape, color)}</answer>`;
}

/** Checks split sizes (integers in [0, 1e6]); GlimpseError('bad_config') naming the task. */
export function checkSplitSizes(task: string, splits: { train: number; test: number }): void {
  for (const k of ['train', 'test'] as const) {
    const v = splits?.[k];
    if (!Number.isInteger(v) || v < 0 || v > 1e6) throw new GlimpseError('bad_config', `${task}: splits.${k} must be an integer in [0, 1000000], got ${String(v)}`);
  }
}

/** The `svg` synthetic task (see the module comment). */
export const svgTask: SyntheticTask = {
  name: 'svg',
  description: 'SVG drawing: "draw a blue circle in the top-left"; the answer is an SVG program, scored by rendering it (drawing.shapes)',
  pipeline: {
    rewards: [
      { name: 'format.think_answer', weight: 0.5 },
      { name: 'drawing.shapes', weight: 1 },
    ],
  },
  solution(sample) {
    const canvas = typeof sample.meta?.canvas === 'number' ? sample.meta.canvas : 240;
    return svgSolution(sample.answer, canvas);
  },
  async generate(out, { seed, splits, options = {} }) {
    checkSplitSizes('svg', splits);
    const o = parseSvgTaskOptions(options);
    const manifest: TaskManifest = { task: 'svg', version: 1, seed, splits, options: o };
    const files = [join(out, 'train.jsonl'), join(out, 'test.jsonl')];
    if (manifestMatches(out, manifest)) return { reused: true, files };
    for (const [split, count, offset] of [['train', splits.train, 0], ['test', splits.test, 1]] as const) {
      const rng = new Rng(seed * 2 + offset);
      const samples: SampleInput[] = [];
      for (let i = 0; i < count; i++) samples.push(svgSample(`${split}-${i}`, makeSvgItem(rng, o)));
      await writeSplit(out, split, samples);
    }
    await writeManifest(out, manifest);
    return { reused: false, files };
  },
};
