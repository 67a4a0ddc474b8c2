/**
 * Resizing to what the model sees: Qwen2-VL "naive dynamic resolution" (`smartResize`), a fixed
 * size, or none, each returning the CoordinateMap from original pixels to the resized input.
 */
import { GlimpseError } from '../../src/util/errors.js';
import { createCoordinateMap, type CoordinateMap, type CoordSpace } from '../coords.js';
import type { RgbImage } from '../types.js';
import { sharpFromRgb, toRgb } from './encode.js';

/** Qwen2-VL defaults: factor = patch_size 14 × merge_size 2; min 56·56; max 28·28·1280 (transformers `Qwen2VLImageProcessor`). */
export const QWEN2VL_FACTOR = 28;
export const QWEN2VL_MIN_PIXELS = 56 * 56;
export const QWEN2VL_MAX_PIXELS = 28 * 28 * 1280;

/** Python's `round()`: to nearest, ties to even (round(2.5) = 2, round(3.5) = 4). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * Qwen2-VL `smart_resize` (transformers `image_processing_qwen2_vl.py`, Qwen2-VL paper §2.1):
 * height and width rounded to multiples of `factor` (Python rounding, ties to even), then if the
 * area exceeds `maxPixels` both sides are scaled by β = √(h·w / maxPixels) and FLOORED to the
 * factor, or if it is below `minPixels` scaled by β = √(minPixels / (h·w)) and CEILED; the aspect
 * ratio is kept as closely as the grid allows. Each side is at least `factor`. Aspect ratios above
 * 200 are refused as in transformers.
 *
 * @example smartResize(1080, 1920) // -> { height: 728, width: 1316 }: 26 × 47 = 1222 LLM tokens
 */
export function smartResize(
  height: number,
  width: number,
  opts: { factor?: number; minPixels?: number; maxPixels?: number; maxAspectRatio?: number } = {},
): { height: number; width: number } {
  const factor = opts.factor ?? QWEN2VL_FACTOR;
  const minPixels = opts.minPixels ?? QWEN2VL_MIN_PIXELS;
  const maxPixels = opts.maxPixels ?? QWEN2VL_MAX_PIXELS;
  const maxRatio = opts.maxAspectRatio ?? 200;
  for (const [k, v] of [['height', height], ['width', width], ['factor', factor], ['minPixels', minPixels], ['maxPixels', maxPixels]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new GlimpseError('bad_input', `smartResize: ${k} must be a positive finite number, got ${v}`);
  }
  if (!Number.isInteger(factor)) throw new GlimpseError('bad_input', `smartResize: factor must be an integer, got ${factor}`);
  if (minPixels > maxPixels) throw new GlimpseError('bad_input', `smartResize: minPixels ${minPixels} > maxPixels ${maxPixels}`);
  const ratio = Math.max(height, width) / Math.min(height, width);
  if (ratio > maxRatio) {
    throw new GlimpseError('unsupported', `smartResize: aspect ratio ${ratio.toFixed(1)} of ${width}x${height} exceeds ${maxRatio}`);
  }
  let hBar = roundHalfEven(height / factor) * factor;
  let wBar = roundHalfEven(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: Math.max(factor, hBar), width: Math.max(factor, wBar) };
}

/** How to size the model input. */
export type ResizeSpec =
  | { mode: 'smart'; factor?: number; minPixels?: number; maxPixels?: number }
  | { mode: 'fixed'; width: number; height: number }
  | { mode: 'none' };

/** The [width, height] a spec gives for an image of `width`×`height`. */
export function targetSize(width: number, height: number, spec: ResizeSpec): [number, number] {
  if (spec.mode === 'none') return [width, height];
  if (spec.mode === 'fixed') {
    if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height) || spec.width <= 0 || spec.height <= 0) {
      throw new GlimpseError('bad_input', `fixed resize: size must be positive integers, got ${spec.width}x${spec.height}`);
    }
    return [spec.width, spec.height];
  }
  const s = smartResize(height, width, spec);
  return [s.width, s.height];
}

/**
 * Resizes `img` per `spec` (bicubic, `sharp` kernel `cubic` = Catmull-Rom, the a = −0.5 cubic
 * PIL's BICUBIC uses) and returns the CoordinateMap from `img`'s pixels to the result, answering
 * in `space`. `maxOutputPixels` guards against absurd fixed sizes.
 */
export async function resizeImage(
  img: RgbImage,
  spec: ResizeSpec,
  opts: { space?: CoordSpace; maxOutputPixels?: number } = {},
): Promise<{ image: RgbImage; map: CoordinateMap }> {
  const [w, h] = targetSize(img.width, img.height, spec);
  const maxOut = opts.maxOutputPixels ?? 64_000_000;
  if (w * h > maxOut) throw new GlimpseError('too_large', `resize: ${w}x${h} exceeds the output limit of ${maxOut} pixels`);
  const image = w === img.width && h === img.height ? img : await toRgb(sharpFromRgb(img).resize(w, h, { fit: 'fill', kernel: 'cubic' }));
  const map = createCoordinateMap({ original: [img.width, img.height], input: [w, h], space: opts.space ?? 'pixel' });
  return { image, map };
}
