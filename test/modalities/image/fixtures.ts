/** Test images made at test time (no binary fixtures in git). */
import { tempDir as makeTempDir } from '../../helpers/tmp.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { RgbImage } from '../../../modalities/types.js';

/** A fresh temporary folder, removed after the importing test file has run. */
export function tempDir(prefix = 'glimpse-img-'): string {
  return makeTempDir(prefix);
}

/**
 * A deterministic RGB test pattern: R = x-ramp, G = y-ramp, B = checker, so every pixel's
 * position can be read back from its colour.
 */
export function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((x / Math.max(1, width - 1)) * 255);
      data[i + 1] = Math.round((y / Math.max(1, height - 1)) * 255);
      data[i + 2] = ((x >> 3) + (y >> 3)) % 2 ? 200 : 40;
    }
  }
  return { width, height, data };
}

/** A solid image. */
export function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

function rawSharp(img: RgbImage) {
  return sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** Encodes `img` in `format`; `orientation` writes an EXIF Orientation tag (JPEG/WebP/TIFF/PNG). */
export async function encode(img: RgbImage, format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'avif', orientation?: number): Promise<Buffer> {
  let p = rawSharp(img);
  if (orientation) p = p.withMetadata({ orientation });
  switch (format) {
    case 'png':
      return p.png().toBuffer();
    case 'jpeg':
      return p.jpeg({ quality: 95 }).toBuffer();
    case 'webp':
      return p.webp({ lossless: true }).toBuffer();
    case 'gif':
      return p.gif().toBuffer();
    case 'tiff':
      return p.tiff({ compression: 'lzw' }).toBuffer();
    case 'avif':
      return p.avif({ lossless: true, effort: 0 }).toBuffer();
  }
}

/** An animated GIF whose first frame is red and second blue. */
export async function twoFrameGif(width = 16, height = 12): Promise<Buffer> {
  const red = solid(width, height, [255, 0, 0]);
  const blue = solid(width, height, [0, 0, 255]);
  const stacked = new Uint8Array(width * height * 3 * 2);
  stacked.set(red.data, 0);
  stacked.set(blue.data, red.data.length);
  return sharp(Buffer.from(stacked), { raw: { width, height: height * 2, channels: 3, pageHeight: height } as never })
    .gif({ loop: 0 })
    .toBuffer();
}

function chunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(tb) >>> 0);
  return Buffer.concat([len, tb, crc]);
}

/**
 * A decompression bomb: a valid PNG header (IHDR) claiming `width`×`height` RGB pixels with a
 * tiny compressed body (a few KB on disk). Decoding it would need width·height·3 bytes.
 */
export function bombPng(width = 30000, height = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  // a few zero rows: enough to be a well-formed start of the stream
  const rows = Buffer.alloc((1 + width * 3) * 4);
  const idat = deflateSync(rows, { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** Writes `data` to `dir/name`, returning the path. */
export function put(dir: string, name: string, data: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}
