/**
 * Resource limits of the image and video adapters: every byte count, pixel count, duration and
 * timeout that stands between untrusted media and the machine's memory, CPU and patience. Each
 * limit is a zod schema field with a safe default; callers pass a partial object and get the
 * defaults for the rest.
 *
 * @example
 *   const limits = resolveImageLimits({ maxInputPixels: 50_000_000 });
 *   limits.maxBytes; // 268435456 (the default)
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { formatZodError } from '../data/schema.js';
import { GlimpseError } from '../src/util/errors.js';

const posInt = () => z.number().int().positive();

export const ImageLimitsSchema = z
  .object({
    maxBytes: posInt()
      .default(256 * 2 ** 20)
      .describe('largest encoded image file accepted, in bytes (256 MiB)'),
    maxInputPixels: posInt()
      .default(100_000_000)
      .describe(
        'largest decoded image accepted, width*height, checked from the header BEFORE decoding (sharp limitInputPixels): ' +
          '100 MP is ~300 MB of RGB; a 30000x30000 decompression bomb (900 MP) is refused without allocating it',
      ),
    maxOutputPixels: posInt()
      .default(64_000_000)
      .describe('largest image the adapter will produce by resizing, cropping or zooming, width*height'),
    maxAspectRatio: z
      .number()
      .positive()
      .default(200)
      .describe('largest long/short side ratio (Qwen2-VL smart_resize refuses ratios above 200)'),
  })
  .strict();
/** Partial limits as a caller writes them; missing fields take the defaults. */
export type ImageLimits = z.input<typeof ImageLimitsSchema>;
export type ResolvedImageLimits = z.output<typeof ImageLimitsSchema>;

export const VideoLimitsSchema = z
  .object({
    maxBytes: posInt()
      .default(8 * 2 ** 30)
      .describe('largest video file accepted, in bytes (8 GiB)'),
    maxDurationS: z
      .number()
      .positive()
      .default(6 * 3600)
      .describe('longest video accepted, in seconds (6 h)'),
    maxFrames: posInt()
      .default(768)
      .describe('most frames one call may sample (Qwen2.5-VL FPS_MAX_FRAMES = 768)'),
    maxFramePixels: posInt()
      .default(36_000_000)
      .describe('largest decoded frame, width*height (36 MP: 8K UHD is 33 MP)'),
    probeTimeoutMs: posInt()
      .default(20_000)
      .describe('time allowed to probe a video (ffmpeg -i / ffprobe), in ms'),
    frameTimeoutMs: posInt()
      .default(60_000)
      .describe('time allowed to extract ONE frame, in ms; the ffmpeg process is killed after it'),
    concurrency: posInt()
      .default(Math.max(1, availableParallelism()))
      .describe('ffmpeg processes run at once when extracting frames (default: the number of cores)'),
    ffmpegThreads: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('decoder threads per ffmpeg process; 0 = cores / concurrent processes, at least 2'),
  })
  .strict();
export type VideoLimits = z.input<typeof VideoLimitsSchema>;
export type ResolvedVideoLimits = z.output<typeof VideoLimitsSchema>;

function resolve<S extends z.ZodType>(schema: S, what: string, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `${what}: ${formatZodError(r.error)}`);
  return r.data;
}

/** Fills in the defaults; an unknown key or a bad value is GlimpseError('bad_config'). */
export function resolveImageLimits(limits?: ImageLimits): ResolvedImageLimits {
  return resolve(ImageLimitsSchema, 'image limits', limits);
}

/** Fills in the defaults; an unknown key or a bad value is GlimpseError('bad_config'). */
export function resolveVideoLimits(limits?: VideoLimits): ResolvedVideoLimits {
  return resolve(VideoLimitsSchema, 'video limits', limits);
}
