/**
 * Small bridges between RgbImage and sharp: a sharp pipeline over raw pixels, raw output back to
 * an RgbImage, and PNG encoding.
 */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { RgbImage } from '../types.js';
import { assertRgbImage } from './load.js';

/** A sharp pipeline reading `img`'s raw RGB pixels. */
export function sharpFromRgb(img: RgbImage): Sharp {
  assertRgbImage(img);
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  });
}

/** Runs `pipeline` to 8-bit RGB raw pixels. */
export async function toRgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encodes `img` as PNG (lossless; deterministic bytes for the same pixels). */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  const buf = await sharpFromRgb(img).png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
