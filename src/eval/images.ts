/**
 * Image plumbing for evaluation requests: sniffing encoded bytes, reading sizes, resizing to the
 * model's input size (Qwen2-VL smart resize) and encoding raw RGB to PNG. Uses sharp.
 */
import sharp from 'sharp';
import { GlimpseError } from '../util/errors.js';
import type { RgbImage } from '../../modalities/types.js';
import { smartResize } from '../../modalities/image/resize.js';
import type { EncodedImage, ImageInput } from './types.js';

/** The MIME type of encoded image bytes by magic number, or undefined. */
export function sniffImage(bytes: Uint8Array): EncodedImage['mime'] | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.length >= 6 && Buffer.from(bytes.subarray(0, 3)).toString('latin1') === 'GIF') return 'image/gif';
  return undefined;
}

/** Wraps encoded bytes; GlimpseError('unsupported') naming `name` when they are not an image. */
export function encodedImage(bytes: Uint8Array, name: string): EncodedImage {
  const mime = sniffImage(bytes);
  if (!mime) throw new GlimpseError('unsupported', `${name}: not a PNG, JPEG, WebP or GIF image (${bytes.length} bytes)`);
  return { mime, bytes };
}

function isRgb(img: ImageInput): img is RgbImage {
  return (img as RgbImage).width !== undefined && (img as RgbImage).data !== undefined;
}

/** RGB pixels -> PNG; encoded images pass through. */
export async function toEncodedImage(img: ImageInput): Promise<EncodedImage> {
  if (!isRgb(img)) return img;
  const png = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toBuffer();
  return { mime: 'image/png', bytes: new Uint8Array(png) };
}

/** [width, height] of encoded bytes after EXIF orientation; GlimpseError('corrupt') naming `name`. */
export async function imageSize(img: EncodedImage, name: string): Promise<[number, number]> {
  try {
    const m = await sharp(img.bytes).metadata();
    if (!m.width || !m.height) throw new Error('no size in header');
    const swap = (m.orientation ?? 1) >= 5;
    return swap ? [m.height, m.width] : [m.width, m.height];
  } catch (e) {
    throw new GlimpseError('corrupt', `${name}: cannot read the image (${(e as Error).message})`);
  }
}

/**
 * Prepares an image for a model: applies EXIF orientation and, when `maxPixels > 0`, resizes to
 * the smart-resize size so that an endpoint running Qwen2-VL/2.5-VL does not resize again (its
 * pixel answers are then in the space of the image we sent). Returns the bytes to send and the
 * original and input sizes for the CoordinateMap.
 */
export async function prepareImage(
  img: EncodedImage,
  name: string,
  opts: { maxPixels?: number; minPixels?: number },
): Promise<{ image: EncodedImage; original: [number, number]; input: [number, number] }> {
  const original = await imageSize(img, name);
  if (!opts.maxPixels || opts.maxPixels <= 0) return { image: img, original, input: original };
  let size: { width: number; height: number };
  try {
    size = smartResize(original[1], original[0], { maxPixels: opts.maxPixels, ...(opts.minPixels !== undefined ? { minPixels: Math.min(opts.minPixels, opts.maxPixels) } : { minPixels: Math.min(56 * 56, opts.maxPixels) }) });
  } catch (e) {
    throw new GlimpseError('unsupported', `${name}: cannot size the image for the model (${(e as Error).message})`);
  }
  const { width, height } = size;
  if (width === original[0] && height === original[1]) return { image: img, original, input: original };
  try {
    const png = await sharp(img.bytes).rotate().resize(width, height, { fit: 'fill' }).png().toBuffer();
    return { image: { mime: 'image/png', bytes: new Uint8Array(png) }, original, input: [width, height] };
  } catch (e) {
    throw new GlimpseError('corrupt', `${name}: cannot resize the image (${(e as Error).message})`);
  }
}
