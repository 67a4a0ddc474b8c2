/**
 * Decoding of image files and buffers into RGB pixels (sharp/libvips): JPEG, PNG, WebP, GIF (first
 * frame), TIFF (first page) and AVIF. EXIF orientation is applied, so ground truth in original
 * pixels refers to the image as a person sees it; alpha is composited over white; 16-bit and
 * greyscale inputs become 8-bit sRGB.
 *
 * Untrusted input is checked in this order, each failure a GlimpseError naming the file:
 * missing (`not_found`), empty or over `maxBytes` (`corrupt` / `too_large`), not an image or a
 * format outside the list (`unsupported`), header dimensions over `maxInputPixels` (`too_large`,
 * refused BEFORE decoding, so a decompression bomb allocates nothing), and a truncated or damaged
 * body (`corrupt`).
 */
import { open, stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { GlimpseError, isGlimpseError } from '../../src/util/errors.js';
import { resolveImageLimits, type ImageLimits, type ResolvedImageLimits } from '../limits.js';
import type { RgbImage } from '../types.js';

/** Formats the image adapter decodes, as sharp names them (`heif` is accepted for AVIF only). */
export const SUPPORTED_IMAGE_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type ImageFormat = (typeof SUPPORTED_IMAGE_FORMATS)[number];

/** An RGB image with what was learnt while decoding it. */
export interface LoadedImage extends RgbImage {
  format: ImageFormat;
  /** EXIF orientation tag of the file (1..8), 1 when absent. */
  orientation: number;
}

/** Maps a sharp/libvips error to a GlimpseError with a stable code. */
export function classifySharpError(name: string, e: unknown): GlimpseError {
  if (isGlimpseError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const first = msg.split('\n')[0] ?? msg;
  if (/Input file is missing|ENOENT|no such file/i.test(msg)) return new GlimpseError('not_found', `${name}: file not found`, undefined, { cause: e });
  if (/pixel limit/i.test(msg)) {
    return new GlimpseError('too_large', `${name}: image exceeds the pixel limit (decompression bomb?)`, 'raise limits.maxInputPixels if the image is genuine', { cause: e });
  }
  if (/unsupported image format/i.test(msg)) return new GlimpseError('unsupported', `${name}: not an image in a supported format (${SUPPORTED_IMAGE_FORMATS.join(', ')})`, undefined, { cause: e });
  if (/corrupt header|bad seek|invalid|premature|truncat|end of|read error|not a|unable|failed|error/i.test(msg)) {
    return new GlimpseError('corrupt', `${name}: corrupt or truncated image (${first.trim()})`, undefined, { cause: e });
  }
  return new GlimpseError('corrupt', `${name}: cannot decode image (${first.trim()})`, undefined, { cause: e });
}

async function checkFile(path: string, name: string, limits: ResolvedImageLimits): Promise<void> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new GlimpseError('unsupported', `${name}: not a regular file`);
    size = s.size;
  } catch (e) {
    if (isGlimpseError(e)) throw e;
    throw new GlimpseError('not_found', `${name}: file not found`, undefined, { cause: e });
  }
  checkByteSize(size, name, limits);
}

function checkByteSize(size: number, name: string, limits: ResolvedImageLimits): void {
  if (size === 0) throw new GlimpseError('corrupt', `${name}: empty file (0 bytes)`);
  if (size > limits.maxBytes) throw new GlimpseError('too_large', `${name}: ${size} bytes exceeds the limit of ${limits.maxBytes} bytes`, 'raise limits.maxBytes');
}

function sharpOptions(limits: ResolvedImageLimits): SharpOptions {
  return { limitInputPixels: limits.maxInputPixels, failOn: 'error', animated: false, pages: 1, page: 0 };
}

/**
 * Loads an image file (path) or encoded bytes into 8-bit RGB, EXIF orientation applied.
 * `name` is what error messages call the source (default: the path, or `<buffer>`).
 */
export async function loadImage(source: string | Uint8Array, opts: { limits?: ImageLimits; name?: string } = {}): Promise<LoadedImage> {
  const limits = resolveImageLimits(opts.limits);
  const name = opts.name ?? (typeof source === 'string' ? source : '<buffer>');
  let input: string | Buffer;
  if (typeof source === 'string') {
    await checkFile(source, name, limits);
    input = source;
  } else {
    if (!(source instanceof Uint8Array)) throw new GlimpseError('bad_input', `${name}: expected a path or a Uint8Array`);
    checkByteSize(source.byteLength, name, limits);
    input = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  }

  const head = typeof source === 'string' ? await readHead(source, name) : source.subarray(0, 32);
  const sniffed = sniffImageFormat(head);
  if (!sniffed) {
    throw new GlimpseError('unsupported', `${name}: not an image in a supported format (${SUPPORTED_IMAGE_FORMATS.join(', ')})`);
  }

  let meta: Metadata;
  try {
    // header only: the pixel limit is checked below, with the dimensions in the message
    meta = await sharp(input, { ...sharpOptions(limits), limitInputPixels: false }).metadata();
  } catch (e) {
    throw classifySharpError(name, e);
  }
  const format = formatOf(meta);
  if (!format) {
    throw new GlimpseError('unsupported', `${name}: ${meta.format ?? 'unknown'} images are not supported (supported: ${SUPPORTED_IMAGE_FORMATS.join(', ')})`);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!(w > 0 && h > 0)) throw new GlimpseError('corrupt', `${name}: image header has no size`);
  if (w * h > limits.maxInputPixels) {
    throw new GlimpseError('too_large', `${name}: ${w}x${h} = ${w * h} pixels exceeds the limit of ${limits.maxInputPixels} (decompression bomb?)`, 'raise limits.maxInputPixels if the image is genuine');
  }

  try {
    const { data, info } = await sharp(input, sharpOptions(limits))
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new GlimpseError('corrupt', `${name}: decoder returned ${info.channels} channels for ${info.width}x${info.height}`);
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), format, orientation: meta.orientation ?? 1 };
  } catch (e) {
    throw classifySharpError(name, e);
  }
}

async function readHead(path: string, name: string): Promise<Uint8Array> {
  try {
    const fh = await open(path, 'r');
    try {
      const buf = new Uint8Array(32);
      const { bytesRead } = await fh.read(buf, 0, 32, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new GlimpseError('not_found', `${name}: cannot read file`, undefined, { cause: e });
  }
}

const ascii = (b: Uint8Array, at: number, s: string) => s.split('').every((c, i) => b[at + i] === c.charCodeAt(0));

/**
 * The format named by a file's magic bytes, among the supported ones; undefined otherwise. Only
 * these formats ever reach a decoder (libvips has loaders for SVG, PDF and more that untrusted
 * input must not reach).
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head[0] === 0x89 && ascii(head, 1, 'PNG\r\n\x1a\n')) return 'png';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'gif';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'webp';
  if ((ascii(head, 0, 'II') && (head[2] === 42 || head[2] === 43) && head[3] === 0) || (ascii(head, 0, 'MM') && head[2] === 0 && (head[3] === 42 || head[3] === 43))) return 'tiff';
  if (ascii(head, 4, 'ftyp') && ['avif', 'avis', 'mif1', 'msf1', 'miaf'].some((b) => ascii(head, 8, b))) return 'avif';
  return undefined;
}

function formatOf(meta: Metadata): ImageFormat | undefined {
  const f = meta.format as string | undefined;
  if (f === 'heif') return meta.compression === 'av1' ? 'avif' : undefined;
  return (SUPPORTED_IMAGE_FORMATS as readonly string[]).includes(f ?? '') ? (f as ImageFormat) : undefined;
}

/** Checks that `img` is a well-formed RgbImage (positive integer size, `w*h*3` bytes). */
export function assertRgbImage(img: RgbImage, what = 'image'): void {
  if (!img || !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new GlimpseError('bad_input', `${what}: width and height must be positive integers, got ${img?.width}x${img?.height}`);
  }
  if (!(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 3) {
    throw new GlimpseError('bad_input', `${what}: data must be ${img.width}*${img.height}*3 = ${img.width * img.height * 3} bytes, got ${img.data?.length}`);
  }
}
