/**
 * Crops and zoom-ins of regions, for grounded re-inspection (the model looks again, closer, at a
 * region it named). The returned CoordinateMap has `region` set, so an answer about the crop maps
 * straight back to the ORIGINAL image's pixels.
 */
import type { BBox } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { createCoordinateMap, type CoordinateMap, type CoordSpace } from '../coords.js';
import type { RgbImage } from '../types.js';
import { sharpFromRgb, toRgb } from './encode.js';
import { assertRgbImage } from './load.js';
import { targetSize, type ResizeSpec } from './resize.js';

/**
 * The integer pixel rectangle of `region` (x1, y1, x2, y2 in `width`×`height` pixels) after
 * expanding it by `padding` (a fraction of its width/height on each side) and clamping it to the
 * image: [x1, y1, x2, y2] with x2 > x1, y2 > y1. Non-finite, inverted or fully outside regions are
 * GlimpseError('bad_input').
 */
export function clampRegion(region: BBox, width: number, height: number, padding = 0): BBox {
  if (!Array.isArray(region) || region.length !== 4 || !region.every((v) => Number.isFinite(v))) {
    throw new GlimpseError('bad_input', `region must be [x1, y1, x2, y2] with finite numbers, got ${JSON.stringify(region)}`);
  }
  if (!Number.isFinite(padding) || padding < 0) throw new GlimpseError('bad_input', `padding must be a finite number ≥ 0, got ${padding}`);
  const [a, b, c, d] = region;
  if (c <= a || d <= b) throw new GlimpseError('bad_input', `region ${JSON.stringify(region)} is empty or inverted (need x2 > x1, y2 > y1)`);
  const px = (c - a) * padding;
  const py = (d - b) * padding;
  const x1 = Math.max(0, Math.floor(a - px));
  const y1 = Math.max(0, Math.floor(b - py));
  const x2 = Math.min(width, Math.ceil(c + px));
  const y2 = Math.min(height, Math.ceil(d + py));
  if (x2 <= x1 || y2 <= y1) throw new GlimpseError('bad_input', `region ${JSON.stringify(region)} lies outside the ${width}x${height} image`);
  return [x1, y1, x2, y2];
}

/**
 * Crops `region` (pixels of `img`, expanded by `padding`, clamped) and resizes it per `resize`
 * (default: none, the crop at its own size). The map goes from `img`'s pixels to the crop.
 */
export async function cropRegion(
  img: RgbImage,
  region: BBox,
  opts: { padding?: number; resize?: ResizeSpec; space?: CoordSpace; maxOutputPixels?: number } = {},
): Promise<{ image: RgbImage; map: CoordinateMap; region: BBox }> {
  assertRgbImage(img);
  const r = clampRegion(region, img.width, img.height, opts.padding ?? 0);
  const cw = r[2] - r[0];
  const ch = r[3] - r[1];
  const [w, h] = targetSize(cw, ch, opts.resize ?? { mode: 'none' });
  const maxOut = opts.maxOutputPixels ?? 64_000_000;
  if (w * h > maxOut) throw new GlimpseError('too_large', `crop: ${w}x${h} exceeds the output limit of ${maxOut} pixels`);
  let p = sharpFromRgb(img).extract({ left: r[0], top: r[1], width: cw, height: ch });
  if (w !== cw || h !== ch) {
    // materialise the crop first: sharp applies resize before extract within one pipeline
    const crop = await toRgb(p);
    p = sharpFromRgb(crop).resize(w, h, { fit: 'fill', kernel: 'cubic' });
  }
  const image = await toRgb(p);
  const map = createCoordinateMap({ original: [img.width, img.height], input: [w, h], space: opts.space ?? 'pixel', region: r });
  return { image, map, region: r };
}

/**
 * Zoom-in for grounded re-inspection: the region plus `padding` context (default 0.1 of its size
 * per side), enlarged by Qwen2-VL smart resize with `minPixels` (default 256·28·28, the usual
 * Qwen2.5-VL RL minimum) so that a small region fills at least that many pixels.
 */
export async function zoomIn(
  img: RgbImage,
  region: BBox,
  opts: { padding?: number; factor?: number; minPixels?: number; maxPixels?: number; space?: CoordSpace } = {},
): Promise<{ image: RgbImage; map: CoordinateMap; region: BBox }> {
  const minPixels = opts.minPixels ?? 256 * 28 * 28;
  const maxPixels = Math.max(minPixels, opts.maxPixels ?? 1280 * 28 * 28);
  return cropRegion(img, region, {
    padding: opts.padding ?? 0.1,
    resize: { mode: 'smart', minPixels, maxPixels, ...(opts.factor !== undefined ? { factor: opts.factor } : {}) },
    ...(opts.space ? { space: opts.space } : {}),
  });
}
