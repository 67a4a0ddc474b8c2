import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { imageAdapter } from '../../../modalities/image/adapter.js';
import { loadImage, sniffImageFormat } from '../../../modalities/image/load.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { encode, pattern, put, tempDir } from './fixtures.js';

/** Resolves to 'ok' or the GlimpseError code; anything else (a raw sharp error, a crash) fails. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (!isGlimpseError(e)) throw new Error(`not a GlimpseError: ${String(e)}`);
    expect(e.message).not.toContain('\n');
    return e.code;
  }
}

describe('image decoding of damaged files (property)', () => {
  const codes = ['ok', 'corrupt', 'unsupported', 'too_large'];

  for (const format of ['png', 'jpeg', 'webp', 'gif'] as const) {
    it(`${format} with flipped, cut or inserted bytes decodes or fails with a typed error`, async () => {
      const good = new Uint8Array(await encode(pattern(48, 32), format));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          fc.option(fc.nat()),
          async (flips, cut) => {
            const bad = new Uint8Array(good);
            for (const [at, v] of flips) bad[at % bad.length] = v;
            const data = cut === null ? bad : bad.subarray(0, cut % bad.length);
            expect(codes).toContain(await outcome(loadImage(data)));
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('random bytes behind a valid magic number fail with a typed error', async () => {
    const magics = [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff], [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], [0x49, 0x49, 0x2a, 0x00]];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 2048 }), async (magic, rest) => {
        const data = new Uint8Array([...magic, ...rest]);
        expect(codes).toContain(await outcome(loadImage(data)));
      }),
      { numRuns: 60 },
    );
  });

  it('sniffs only the supported formats', () => {
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffImageFormat(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageFormat(new TextEncoder().encode('%PDF-1.7'))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
    // HEIC (HEVC) is not AVIF
    const heic = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypheic')]);
    expect(sniffImageFormat(heic)).toBeUndefined();
  });

  it('handles unicode, spaces and odd characters in file names', async () => {
    const dir = tempDir();
    const p = put(dir, 'фото 🐈 (1)\u202e.png', await encode(pattern(20, 10), 'png'));
    const r = await imageAdapter.prepare({ kind: 'image', path: p }, { resize: 'none' });
    expect(r.images[0]!.width).toBe(20);
    const missing = await outcome(imageAdapter.prepare({ kind: 'image', path: `${dir}/нет.png` }));
    expect(missing).toBe('not_found');
    expect(await outcome(imageAdapter.prepare({ kind: 'image', path: 'a\u0000b.png' }))).toBe('bad_input');
  });
});
