/**
 * Sampling a video into model-ready frames: probe -> plan (fps or N uniform, optional window) ->
 * parallel extraction with exact timestamps -> the image path (resize) -> on-disk cache.
 *
 * @example
 *   const r = await sampleVideoFrames('clip.mp4', { sampling: { frames: 16 } });
 *   r.frames.map((f) => f.time); // [0, 0.6, ...] seconds, the decoded frames' own timestamps
 */
import { z } from 'zod';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { CoordSpaceSchema, createCoordinateMap, type CoordinateMap, type CoordSpace } from '../coords.js';
import { resolveVideoLimits, VideoLimitsSchema, type ResolvedVideoLimits } from '../limits.js';
import { resizeImage, type ResizeSpec } from '../image/resize.js';
import type { PreparedImage } from '../types.js';
import { defaultFrameCacheDir, frameCacheKey, hashFile, readFrameCache, writeFrameCache } from './cache.js';
import { extractFrames } from './extract.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { parseSampling, planFrames, SamplingSchema, type FramePlan, type Sampling } from './sample.js';

/** qwen-vl-utils video pixel bounds: VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS, VIDEO_TOTAL_PIXELS. */
export const VIDEO_MIN_PIXELS = 128 * 28 * 28;
export const VIDEO_MAX_PIXELS = 768 * 28 * 28;
export const VIDEO_TOTAL_PIXELS = 24576 * 28 * 28;

export const FrameResizeSchema = z
  .object({
    resize: z.enum(['smart', 'fixed', 'none']).default('smart').describe('smart: Qwen2-VL smart resize per frame; fixed: exactly `size`; none: decoded size'),
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional().describe('[width, height] for resize "fixed"'),
    factor: z.number().int().positive().default(28).describe('smart resize: sides are multiples of this'),
    minPixels: z.number().int().positive().default(VIDEO_MIN_PIXELS).describe('per-frame lower bound on w·h (qwen-vl-utils VIDEO_MIN_PIXELS = 128·28·28)'),
    maxPixels: z.number().int().positive().default(VIDEO_MAX_PIXELS).describe('per-frame upper bound on w·h (VIDEO_MAX_PIXELS = 768·28·28)'),
    totalPixels: z
      .number()
      .int()
      .positive()
      .default(VIDEO_TOTAL_PIXELS)
      .describe('budget over all frames: per-frame max = max(min(maxPixels, totalPixels / n · 2), 1.05 · minPixels) (qwen-vl-utils)'),
  })
  .strict();

export const VideoPrepareOptionsSchema = FrameResizeSchema.extend({
  sampling: SamplingSchema.optional(),
  space: CoordSpaceSchema.default('pixel').describe('the space the model answers in for frame coordinates'),
  placeholder: z.string().max(1000).default('<image>').describe('text spliced into the prompt for each frame'),
  baseDir: z.string().optional().describe('folder that relative media paths are resolved against'),
  cache: z
    .union([z.literal(false), z.object({ dir: z.string().optional() }).strict()])
    .default({})
    .describe('on-disk frame cache (false: off); dir defaults to $GLIMPSE_CACHE_DIR/frames or <tmpdir>/glimpse-cache/frames'),
  limits: VideoLimitsSchema.partial().optional(),
}).strict();
export type VideoPrepareOptions = z.input<typeof VideoPrepareOptionsSchema>;
export type ResolvedVideoOptions = z.output<typeof VideoPrepareOptionsSchema>;

export function parseVideoOptions(options: unknown): ResolvedVideoOptions {
  const r = VideoPrepareOptionsSchema.safeParse(options ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `video options: ${formatZodError(r.error)}`);
  if (r.data.resize === 'fixed' && !r.data.size) throw new GlimpseError('bad_config', 'video options: size: resize "fixed" needs size [width, height]');
  return r.data;
}

/** The per-frame ResizeSpec for `n` frames (qwen-vl-utils' total-pixel budget in smart mode). */
export function frameResizeSpec(o: z.output<typeof FrameResizeSchema>, n: number): ResizeSpec {
  if (o.resize === 'none') return { mode: 'none' };
  if (o.resize === 'fixed') return { mode: 'fixed', width: o.size![0], height: o.size![1] };
  const maxPixels = Math.max(Math.min(o.maxPixels, (o.totalPixels / n) * 2), Math.floor(o.minPixels * 1.05));
  return { mode: 'smart', factor: o.factor, minPixels: o.minPixels, maxPixels: Math.floor(maxPixels) };
}

export interface SampledVideo {
  probe: VideoProbe;
  plan: FramePlan;
  sampling: Sampling;
  /** Model-ready frames, each with `time` (seconds from the start) and its frame `index`. */
  frames: Array<PreparedImage & { time: number; index: number }>;
  /** Decoded frame size [width, height] (display orientation). */
  original: [number, number];
  /** From decoded-frame pixels to model-input pixels (`space`). */
  coords: CoordinateMap;
  cache: 'hit' | 'miss' | 'off';
}

/**
 * Samples frames of the video at `path` (`name` is used in messages). Options as for the video
 * adapter (sampling, resize, cache, limits).
 */
export async function sampleVideoFrames(path: string, options: VideoPrepareOptions = {}, name = path, signal?: AbortSignal): Promise<SampledVideo> {
  const o = parseVideoOptions(options);
  const limits: ResolvedVideoLimits = resolveVideoLimits(o.limits);
  const sampling = parseSampling(o.sampling);
  const probe = await probeVideo(path, name, limits, signal);
  const plan = planFrames(probe, sampling, limits.maxFrames);
  const spec = frameResizeSpec(o, plan.indices.length);
  const space: CoordSpace = o.space;

  const cacheDir = o.cache === false ? undefined : (o.cache.dir ?? defaultFrameCacheDir());
  let key: string | undefined;
  if (cacheDir) {
    key = frameCacheKey(await hashFile(path), { indices: plan.indices, fps: probe.fps, spec });
    const hit = await readFrameCache(cacheDir, key);
    if (hit && hit.frames.length === plan.indices.length) {
      const original = hit.meta.original as [number, number];
      const f0 = hit.frames[0]!;
      return { probe, plan, sampling, frames: hit.frames, original, coords: createCoordinateMap({ original, input: [f0.width, f0.height], space }), cache: 'hit' };
    }
  }

  const raw = await extractFrames(path, name, probe, plan.indices, limits, signal);
  const first = raw[0]!;
  const original: [number, number] = [first.width, first.height];
  for (const f of raw) {
    if (f.width !== first.width || f.height !== first.height) {
      throw new GlimpseError('unsupported', `${name}: frame size changes mid-stream (${first.width}x${first.height} -> ${f.width}x${f.height})`);
    }
  }
  const frames = await Promise.all(
    raw.map(async (f) => {
      const { image } = await resizeImage(f, spec);
      return { width: image.width, height: image.height, data: image.data, time: f.time, index: f.index };
    }),
  );
  const f0 = frames[0]!;
  if (cacheDir && key) await writeFrameCache(cacheDir, key, { frames, meta: { original } });
  return { probe, plan, sampling, frames, original, coords: createCoordinateMap({ original, input: [f0.width, f0.height], space }), cache: cacheDir ? 'miss' : 'off' };
}
