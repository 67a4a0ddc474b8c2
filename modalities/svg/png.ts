/**
 * A minimal PNG encoder for 8-bit RGB (colour type 2), used inside render workers where loading
 * sharp is not wanted: filter type 0 rows, zlib (node:zlib) deflate, CRC-32 per chunk.
 */
import * as zlib from 'node:zlib';

const { deflateSync } = zlib;
/** zlib's native CRC-32 where Node has it (≥ 20.15), else the table below. */
const nativeCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array, start: number, end: number): number {
  if (nativeCrc) return nativeCrc(buf.subarray(start, end)) >>> 0;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** Encodes `width×height` RGB bytes (row-major, no padding) as a PNG file. */
export function encodeRgbPng(width: number, height: number, rgb: Uint8Array, level = 6): Uint8Array {
  if (rgb.length !== width * height * 3) throw new RangeError(`encodeRgbPng: expected ${width * height * 3} bytes, got ${rgb.length}`);
  const stride = width * 3;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return encodePngScanlines(width, height, raw, level);
}

/**
 * Encodes PNG scanlines as they go into the IDAT stream: `height` rows of one filter-type byte
 * (0 = none) followed by `width*3` RGB bytes. Lets a renderer composite straight into this
 * layout and skip the copy encodeRgbPng makes.
 */
export function encodePngScanlines(width: number, height: number, raw: Uint8Array, level = 6): Uint8Array {
  if (raw.length !== (width * 3 + 1) * height) throw new RangeError(`encodePngScanlines: expected ${(width * 3 + 1) * height} bytes, got ${raw.length}`);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const sig = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
  const parts = [sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
