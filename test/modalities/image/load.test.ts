import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadImage } from '../../../modalities/image/load.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { pseudoRandomBytes } from '../../conformance/adapters.js';
import { bombPng, encode, pattern, put, solid, tempDir, twoFrameGif } from './fixtures.js';

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isGlimpseError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a GlimpseError');
}

describe('loadImage', () => {
  const img = pattern(40, 30);

  for (const format of ['png', 'jpeg', 'webp', 'gif', 'tiff', 'avif'] as const) {
    it(`decodes ${format} to RGB of the right size`, async () => {
      const out = await loadImage(new Uint8Array(await encode(img, format)));
      expect(out.format).toBe(format);
      expect([out.width, out.height]).toEqual([40, 30]);
      expect(out.data.length).toBe(40 * 30 * 3);
      // bottom-right is red+green high; top-left low (lossy formats within tolerance)
      const px = (x: number, y: number, c: number) => out.data[(y * 40 + x) * 3 + c]!;
      expect(px(39, 29, 0)).toBeGreaterThan(180);
      expect(px(39, 29, 1)).toBeGreaterThan(180);
      expect(px(0, 0, 0)).toBeLessThan(70);
    });
  }

  it('decodes lossless formats exactly', async () => {
    for (const format of ['png', 'webp', 'tiff'] as const) {
      const out = await loadImage(new Uint8Array(await encode(img, format)));
      expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it('applies EXIF orientation (6 = rotate 90° clockwise)', async () => {
    // a 40x30 image tagged orientation 6 is displayed 30 wide, 40 high
    const marked = solid(40, 30, [0, 0, 255]);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) marked.data.set([255, 0, 0], (y * 40 + x) * 3); // red top-left
    const out = await loadImage(new Uint8Array(await encode(marked, 'png', 6)));
    expect(out.orientation).toBe(6);
    expect([out.width, out.height]).toEqual([30, 40]);
    // after a clockwise quarter turn, the top-left corner lands at the top-right
    const px = (x: number, y: number) => Array.from(out.data.subarray((y * 30 + x) * 3, (y * 30 + x) * 3 + 3));
    expect(px(29, 0)).toEqual([255, 0, 0]);
    expect(px(0, 0)).toEqual([0, 0, 255]);
  });

  it('takes the first frame of an animated GIF', async () => {
    const out = await loadImage(new Uint8Array(await twoFrameGif()));
    expect([out.width, out.height]).toEqual([16, 12]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([255, 0, 0]);
  });

  it('composites alpha over white', async () => {
    const sharp = (await import('sharp')).default;
    const rgba = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    const out = await loadImage(new Uint8Array(rgba));
    expect(Array.from(out.data.subarray(0, 3))).toEqual([255, 255, 255]);
  });

  it('reads files by path and names them in errors', async () => {
    const dir = tempDir();
    const p = put(dir, 'ok.png', await encode(img, 'png'));
    expect((await loadImage(p)).width).toBe(40);
    const e = await codeOf(loadImage(join(dir, 'missing.png')));
    expect(e.code).toBe('not_found');
    expect(e.message).toContain('missing.png');
    mkdirSync(join(dir, 'adir.png'));
    expect((await codeOf(loadImage(join(dir, 'adir.png')))).code).toBe('unsupported');
  });

  it('refuses a 30000x30000 decompression bomb from its header, without decoding it', async () => {
    const dir = tempDir();
    const p = put(dir, 'bomb.png', bombPng(30000, 30000));
    const before = process.memoryUsage().rss;
    const e = await codeOf(loadImage(p));
    expect(e.code).toBe('too_large');
    expect(e.message).toContain('bomb.png');
    expect(e.message).toMatch(/30000x30000/);
    // decoding would need 2.7 GB; refusing must not allocate anything near that
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 2 ** 20);
  });

  it('refuses zero-byte, truncated, garbage and unsupported files with typed errors', async () => {
    const dir = tempDir();
    const png = await encode(pattern(64, 64), 'png');
    const jpg = await encode(pattern(64, 64), 'jpeg');
    const cases: Array<[string, Uint8Array | string, string[]]> = [
      ['empty.png', new Uint8Array(0), ['corrupt']],
      ['trunc.png', png.subarray(0, Math.floor(png.length / 2)), ['corrupt']],
      ['trunc.jpg', jpg.subarray(0, Math.floor(jpg.length / 2)), ['corrupt']],
      ['header-only.png', png.subarray(0, 40), ['corrupt']],
      ['garbage.png', pseudoRandomBytes(4096), ['unsupported']],
      ['text.png', 'hello, I am not an image\n', ['unsupported']],
      ['vector.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', ['unsupported']],
      ['image.ppm', Buffer.concat([Buffer.from('P6\n2 2\n255\n'), Buffer.alloc(12, 128)]), ['unsupported']],
    ];
    for (const [name, data, codes] of cases) {
      const e = await codeOf(loadImage(put(dir, name, data)));
      expect(codes, `${name}: ${e.code} ${e.message}`).toContain(e.code);
      expect(e.message).toContain(name);
      expect(e.message).not.toContain('\n');
    }
  });

  it('enforces byte and pixel limits', async () => {
    const png = new Uint8Array(await encode(pattern(64, 64), 'png'));
    expect((await codeOf(loadImage(png, { limits: { maxBytes: 100 } }))).code).toBe('too_large');
    expect((await codeOf(loadImage(png, { limits: { maxInputPixels: 4095 } }))).code).toBe('too_large');
    expect((await codeOf(loadImage(png, { limits: { maxBytes: -1 } }))).code).toBe('bad_config');
    expect((await codeOf(loadImage(png, { limits: { bogus: 1 } as never }))).code).toBe('bad_config');
  });
});
