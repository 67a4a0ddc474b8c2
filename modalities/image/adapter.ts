/**
 * The image adapter: decode (EXIF applied), optionally crop a region, resize to the model input
 * (Qwen2-VL smart resize by default), and return the CoordinateMap from original pixels to the
 * input.
 *
 * @example
 *   const p = await imageAdapter.prepare({ kind: 'image', path: 'cat.jpg' }, { space: 'norm1000' });
 *   p.images[0];                       // RGB pixels, e.g. 644x476
 *   p.coords.boxToOriginal([0, 0, 500, 500]); // the top-left quarter of cat.jpg, in its pixels
 */
import { z } from 'zod';
import type { Media } from '../../data/schema.js';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { CoordSpaceSchema } from '../coords.js';
import { ImageLimitsSchema, resolveImageLimits } from '../limits.js';
import type { ModalityAdapter, PreparedMedia } from '../types.js';
import { cropRegion } from './crop.js';
import { loadImage } from './load.js';
import { QWEN2VL_FACTOR, QWEN2VL_MAX_PIXELS, QWEN2VL_MIN_PIXELS, resizeImage, type ResizeSpec } from './resize.js';
import { mediaName, mediaSource, namingErrors } from './source.js';

const finite = z.number().refine(Number.isFinite, 'must be finite');

export const ImagePrepareOptionsSchema = z
  .object({
    resize: z.enum(['smart', 'fixed', 'none']).default('smart').describe('smart: Qwen2-VL smart resize; fixed: exactly `size`; none: original size'),
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional().describe('[width, height] for resize "fixed"'),
    factor: z.number().int().positive().default(QWEN2VL_FACTOR).describe('smart resize: sides are multiples of this (patch 14 × merge 2)'),
    minPixels: z.number().int().positive().default(QWEN2VL_MIN_PIXELS).describe('smart resize: lower bound on w·h (Qwen2-VL: 56·56)'),
    maxPixels: z.number().int().positive().default(QWEN2VL_MAX_PIXELS).describe('smart resize: upper bound on w·h (Qwen2-VL: 28·28·1280)'),
    space: CoordSpaceSchema.default('pixel').describe('the space the model answers in: pixel (of the input), norm1000, norm1'),
    region: z.tuple([finite, finite, finite, finite]).optional().describe('crop [x1, y1, x2, y2] of the original (pixels) before resizing'),
    placeholder: z.string().max(1000).default('<image>').describe('text spliced into the prompt for this image'),
    baseDir: z.string().optional().describe('folder that relative media paths are resolved against'),
    limits: ImageLimitsSchema.partial().optional(),
  })
  .strict()
  .refine((o) => o.resize !== 'fixed' || o.size !== undefined, { message: 'resize "fixed" needs size [width, height]', path: ['size'] });
export type ImagePrepareOptions = z.input<typeof ImagePrepareOptionsSchema>;

/** Parses adapter options; GlimpseError('bad_config') naming the field on failure. */
export function parseImageOptions(options: unknown): z.output<typeof ImagePrepareOptionsSchema> {
  const r = ImagePrepareOptionsSchema.safeParse(options ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `image options: ${formatZodError(r.error)}`);
  return r.data;
}

/** The ResizeSpec the options describe. */
export function resizeSpecOf(o: z.output<typeof ImagePrepareOptionsSchema>): ResizeSpec {
  if (o.resize === 'fixed') return { mode: 'fixed', width: o.size![0], height: o.size![1] };
  if (o.resize === 'none') return { mode: 'none' };
  return { mode: 'smart', factor: o.factor, minPixels: o.minPixels, maxPixels: o.maxPixels };
}

function prepareImage(media: Media, options?: ImagePrepareOptions): Promise<PreparedMedia> {
  return namingErrors(mediaName(media, 'image'), () => prepareImageUnnamed(media, options));
}

async function prepareImageUnnamed(media: Media, options?: ImagePrepareOptions): Promise<PreparedMedia> {
  const o = parseImageOptions(options);
  const limits = resolveImageLimits(o.limits);
  const src = mediaSource(media, { baseDir: o.baseDir, maxBytes: limits.maxBytes, kind: 'image' });
  const img = await loadImage(src.kind === 'path' ? src.path : src.bytes, { limits, name: src.name });
  const spec = resizeSpecOf(o);
  let prepared;
  if (o.region) {
    const c = await cropRegion(img, o.region, { resize: spec, space: o.space, maxOutputPixels: limits.maxOutputPixels });
    prepared = { image: c.image, map: c.map };
  } else {
    if (spec.mode === 'smart' && Math.max(img.width, img.height) / Math.min(img.width, img.height) > limits.maxAspectRatio) {
      throw new GlimpseError('unsupported', `${src.name}: aspect ratio of ${img.width}x${img.height} exceeds ${limits.maxAspectRatio}`);
    }
    prepared = await resizeImage(img, spec, { space: o.space, maxOutputPixels: limits.maxOutputPixels });
  }
  const { image, map } = prepared;
  return {
    kind: 'image',
    images: [image],
    text: o.placeholder,
    coords: map,
    meta: {
      source: src.kind === 'path' ? src.name : '<inline>',
      format: img.format,
      orientation: img.orientation,
      original: [img.width, img.height],
      input: [image.width, image.height],
      coords: map.toJSON(),
    },
  };
}

/** The image ModalityAdapter (registered as `image`). */
export const imageAdapter: ModalityAdapter<ImagePrepareOptions> = {
  kind: 'image',
  prepare: prepareImage,
};
