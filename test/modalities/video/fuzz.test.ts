import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseShowinfo } from '../../../modalities/video/extract.js';
import { liveFfmpegPids } from '../../../modalities/video/ffmpeg.js';
import { sampleVideoFrames } from '../../../modalities/video/frames.js';
import { parseFfmpegInfo } from '../../../modalities/video/probe.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { counterVideo, tempDir } from './fixtures.js';

describe('video parsers never throw (property)', () => {
  it('parseFfmpegInfo and parseShowinfo accept any text', () => {
    const lines = fc.constantFrom(
      'Duration: 00:00:02.00, start: 0.000000, bitrate: 21 kb/s',
      'Duration: 99:99:99.99, start: -5',
      '  Stream #0:0(und): Video: h264, yuv420p, 64x48, 10 fps',
      '  Stream #0:0: Video: rawvideo, 0x0, 0 fps',
      '      rotate          : 12345',
      '      displaymatrix: rotation of NaN degrees',
      '[Parsed_showinfo_0 @ 0x1] n:   0 pts: 1 pts_time:1e309 s:99999999x1',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(lines, fc.string({ maxLength: 200 })), { maxLength: 30 }), (ls) => {
        const text = ls.join('\n');
        const i = parseFfmpegInfo(text);
        expect(typeof i.hasVideo).toBe('boolean');
        if (i.rotation !== undefined) expect([0, 90, 180, 270]).toContain(i.rotation);
        expect(() => parseShowinfo(text)).not.toThrow();
      }),
    );
  });
});

describe('damaged videos', () => {
  it('decode or fail with a typed error, leaving no ffmpeg behind (property)', async () => {
    const dir = tempDir();
    const good = readFileSync(counterVideo(dir));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }), async (flips) => {
        const bad = Buffer.from(good);
        for (const [at, v] of flips) bad[at % bad.length] = v;
        const p = join(dir, `damaged-${n++}.mp4`);
        writeFileSync(p, bad);
        try {
          const r = await sampleVideoFrames(p, { resize: 'none', cache: false, sampling: { frames: 3 } });
          expect(r.frames.length).toBeGreaterThan(0);
        } catch (e) {
          expect(isGlimpseError(e), String(e)).toBe(true);
          expect((e as Error).message).toContain('damaged-');
        }
        expect(liveFfmpegPids()).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });
});
