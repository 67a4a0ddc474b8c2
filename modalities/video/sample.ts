/**
 * Which frames to sample, as in the Qwen2.5-VL pipelines (qwen-vl-utils `smart_nframes` and its
 * frame-range rule), plus plain N-uniform sampling and a time window [s, e] (FrameThinker-style
 * spotlighting of a span):
 *
 * - fps mode (default): n = total_frames / video_fps · fps, clamped to
 *   [ceil_f(min_frames), floor_f(min(max_frames, total_frames))] and floored to a multiple of
 *   frame_factor f (defaults fps 2, 4–768 frames, f = 2);
 * - uniform mode: exactly n frames (at most the frames in the window);
 * - indices = round(linspace(start_frame, end_frame, n)) with ties to even (torch.round), where a
 *   window [s, e] gives start_frame = ceil(s · fps), end_frame = min(floor(e · fps), total − 1).
 *
 * Times are frame index / fps seconds from the start of the video; the extractor reports each
 * decoded frame's real presentation time.
 */
import { z } from 'zod';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { roundHalfEven } from '../image/resize.js';

export const SamplingSchema = z
  .object({
    frames: z.number().int().positive().optional().describe('sample exactly this many frames, uniformly (overrides fps)'),
    fps: z.number().positive().max(1000).default(2).describe('frames per second of video to sample (Qwen2.5-VL: 2)'),
    minFrames: z.number().int().positive().default(4).describe('fps mode lower bound (Qwen2.5-VL FPS_MIN_FRAMES = 4)'),
    maxFrames: z.number().int().positive().default(768).describe('fps mode upper bound (Qwen2.5-VL FPS_MAX_FRAMES = 768)'),
    frameFactor: z.number().int().positive().default(2).describe('fps mode: frame count is a multiple of this (Qwen2.5-VL FRAME_FACTOR = 2 = temporal patch)'),
    window: z
      .tuple([z.number().min(0), z.number().min(0)])
      .optional()
      .refine((w) => !w || w[1] > w[0], 'window [start, end] needs end > start')
      .describe('only sample inside [start, end] seconds'),
  })
  .strict();
export type SamplingOptions = z.input<typeof SamplingSchema>;
export type Sampling = z.output<typeof SamplingSchema>;

export function parseSampling(s: unknown): Sampling {
  const r = SamplingSchema.safeParse(s ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `video sampling: ${formatZodError(r.error)}`);
  return r.data;
}

export interface FramePlan {
  /** Frame indices in the video (0-based, at `fps`), ascending. */
  indices: number[];
  /** Planned times in seconds from the start: index / fps. */
  times: number[];
  /** The frame range sampled from: [start_frame, end_frame] inclusive. */
  range: [number, number];
}

/** torch.linspace(start, end, n).round() with ties to even. */
export function linspaceRound(start: number, end: number, n: number): number[] {
  if (n === 1) return [roundHalfEven(start)];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(roundHalfEven(start + ((end - start) * i) / (n - 1)));
  return out;
}

/**
 * Plans the frames to sample from a video of `frameCount` frames at `fps`. A window that holds no
 * frame is GlimpseError('bad_input'); more frames than `maxFrames` (the limit) is 'too_large'.
 */
export function planFrames(video: { fps: number; frameCount: number; duration: number }, sampling: Sampling, limitFrames = 768): FramePlan {
  const { fps } = video;
  const total = video.frameCount;
  let start = 0;
  let end = total - 1;
  if (sampling.window) {
    const [s, e] = sampling.window;
    if (s >= video.duration) throw new GlimpseError('bad_input', `window [${s}, ${e}] starts after the end of the video (${video.duration.toFixed(3)} s)`);
    start = Math.min(Math.ceil(s * fps - 1e-9), total - 1);
    end = Math.min(Math.floor(e * fps + 1e-9), total - 1);
    if (end < start) throw new GlimpseError('bad_input', `window [${s}, ${e}] holds no frame at ${fps.toFixed(3)} fps`);
  }
  const inRange = end - start + 1;
  let n: number;
  if (sampling.frames !== undefined) {
    n = Math.min(sampling.frames, inRange);
  } else {
    const f = sampling.frameFactor;
    const minF = Math.ceil(sampling.minFrames / f) * f;
    const maxF = Math.floor(Math.min(sampling.maxFrames, inRange) / f) * f;
    const want = (inRange / fps) * sampling.fps;
    n = Math.floor(Math.min(Math.max(want, minF), maxF, inRange) / f) * f;
    if (n < 1) n = Math.min(inRange, Math.max(1, minF)); // fewer frames than one factor: take what there is
  }
  if (n > limitFrames) throw new GlimpseError('too_large', `sampling ${n} frames exceeds the limit of ${limitFrames}`, 'raise limits.maxFrames or sample fewer frames');
  const indices = linspaceRound(start, end, n);
  return { indices, times: indices.map((i) => i / fps), range: [start, end] };
}
