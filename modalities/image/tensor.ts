/**
 * RGB images to the normalised float tensor a ViT patch embedding reads, in the Qwen2-VL layout
 * (transformers `Qwen2VLImageProcessor._preprocess`):
 *
 *   x = (pixel · rescale_factor − mean[c]) / std[c]
 *   frames [T, C, H, W] (T padded to a multiple of temporal_patch_size by repeating the last frame)
 *   -> reshape [gt, tps, C, gh/m, m, P, gw/m, m, P]
 *   -> permute (0, 3, 6, 4, 7, 2, 1, 5, 8)
 *   -> `pixel_values` [gt·gh·gw, C·tps·P·P], `grid_thw` = [gt, gh, gw]
 *
 * where P = patch_size (14), m = merge_size (2), tps = temporal_patch_size (2), gh = H/P, gw = W/P.
 * Patches are ordered so that each m×m block of neighbours is contiguous (what the merger expects).
 */
import { z } from 'zod';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import type { RgbImage } from '../types.js';
import { assertRgbImage } from './load.js';
import { resizeImage } from './resize.js';

/** OpenAI CLIP normalisation, the Qwen2-VL default (transformers `OPENAI_CLIP_MEAN/STD`). */
export const OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const rgb3 = z.tuple([z.number(), z.number(), z.number()]);

/**
 * A vision processor config; accepts a Hugging Face `preprocessor_config.json` as is (unknown keys
 * are kept and ignored). Defaults are Qwen2-VL's.
 */
export const VisionProcessorConfigSchema = z
  .object({
    image_mean: rgb3.default([...OPENAI_CLIP_MEAN]).describe('per-channel mean after rescaling (OpenAI CLIP)'),
    image_std: rgb3
      .default([...OPENAI_CLIP_STD])
      .refine((s) => s.every((v) => v > 0 && Number.isFinite(v)), 'std must be positive')
      .describe('per-channel std after rescaling (OpenAI CLIP)'),
    rescale_factor: z.number().positive().default(1 / 255).describe('pixel scale before normalising (1/255)'),
    patch_size: z.number().int().positive().default(14).describe('ViT patch side P in pixels (Qwen2-VL: 14)'),
    temporal_patch_size: z.number().int().positive().default(2).describe('frames per temporal patch (Qwen2-VL: 2; an image is repeated)'),
    merge_size: z.number().int().positive().default(2).describe('m×m patches merged into one LLM token (Qwen2-VL: 2)'),
    min_pixels: z.number().int().positive().default(56 * 56).describe('smart resize lower bound (Qwen2VLImageProcessor: 56·56)'),
    max_pixels: z.number().int().positive().default(28 * 28 * 1280).describe('smart resize upper bound (Qwen2VLImageProcessor: 28·28·1280)'),
  })
  .passthrough();
export type VisionProcessorConfig = z.input<typeof VisionProcessorConfigSchema>;
export type ResolvedVisionProcessorConfig = z.output<typeof VisionProcessorConfigSchema>;

export function resolveProcessorConfig(config?: VisionProcessorConfig): ResolvedVisionProcessorConfig {
  const r = VisionProcessorConfigSchema.safeParse(config ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `processor config: ${formatZodError(r.error)}`);
  return r.data;
}

export interface PixelValues {
  /** Row-major `[numPatches, C·tps·P·P]`. */
  data: Float32Array;
  shape: [number, number];
  /** [grid_t, grid_h, grid_w] in patches; numPatches = t·h·w; LLM tokens = numPatches / m². */
  gridThw: [number, number, number];
}

/**
 * Flattens frames (one image, or video frames of one size; each side a multiple of
 * patch_size·merge_size — resize first, e.g. with `smartResize`) into `pixel_values`.
 */
export function toPixelValues(frames: RgbImage | RgbImage[], config?: VisionProcessorConfig): PixelValues {
  const cfg = resolveProcessorConfig(config);
  const list = Array.isArray(frames) ? frames : [frames];
  if (list.length === 0) throw new GlimpseError('bad_input', 'toPixelValues: no frames');
  const { width: W, height: H } = list[0]!;
  list.forEach((f, i) => {
    assertRgbImage(f, `frame ${i}`);
    if (f.width !== W || f.height !== H) throw new GlimpseError('bad_input', `toPixelValues: frame ${i} is ${f.width}x${f.height}, frame 0 is ${W}x${H}`);
  });
  const P = cfg.patch_size;
  const m = cfg.merge_size;
  const T = cfg.temporal_patch_size;
  if (W % (P * m) !== 0 || H % (P * m) !== 0) {
    throw new GlimpseError('bad_input', `toPixelValues: ${W}x${H} is not a multiple of patch_size·merge_size = ${P * m}; resize first (smartResize)`);
  }
  const C = 3;
  const gt = Math.ceil(list.length / T);
  const gh = H / P;
  const gw = W / P;
  const patchLen = C * T * P * P;
  const numPatches = gt * gh * gw;
  const out = new Float32Array(numPatches * patchLen);
  // per-channel affine: x * a[c] + b[c]
  const a = cfg.image_std.map((s) => cfg.rescale_factor / s);
  const b = cfg.image_mean.map((mu, c) => -mu / cfg.image_std[c]!);
  let o = 0;
  for (let t = 0; t < gt; t++) {
    for (let bh = 0; bh < gh / m; bh++) {
      for (let bw = 0; bw < gw / m; bw++) {
        for (let mh = 0; mh < m; mh++) {
          for (let mw = 0; mw < m; mw++) {
            const y0 = (bh * m + mh) * P;
            const x0 = (bw * m + mw) * P;
            for (let c = 0; c < C; c++) {
              const ac = a[c]!;
              const bc = b[c]!;
              for (let tt = 0; tt < T; tt++) {
                // frames past the end repeat the last one (transformers pads T this way)
                const f = list[Math.min(t * T + tt, list.length - 1)]!.data;
                for (let py = 0; py < P; py++) {
                  let idx = ((y0 + py) * W + x0) * 3 + c;
                  for (let px = 0; px < P; px++, idx += 3) out[o++] = f[idx]! * ac + bc;
                }
              }
            }
          }
        }
      }
    }
  }
  return { data: out, shape: [numPatches, patchLen], gridThw: [gt, gh, gw] };
}

/**
 * The whole Qwen2-VL image path for one image: smart resize with the config's factor and pixel
 * bounds, then {@link toPixelValues}. Returns the resized size too.
 */
export async function preprocessImage(img: RgbImage, config?: VisionProcessorConfig): Promise<PixelValues & { width: number; height: number }> {
  const cfg = resolveProcessorConfig(config);
  const { image } = await resizeImage(img, { mode: 'smart', factor: cfg.patch_size * cfg.merge_size, minPixels: cfg.min_pixels, maxPixels: cfg.max_pixels });
  return { ...toPixelValues(image, cfg), width: image.width, height: image.height };
}
