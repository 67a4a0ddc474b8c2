import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resizeImage, roundHalfEven, smartResize, targetSize } from '../../../modalities/image/resize.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { pattern } from './fixtures.js';

describe('smartResize (Qwen2-VL)', () => {
  // [height, width, opts] -> [height, width], computed by hand from transformers'
  // image_processing_qwen2_vl.smart_resize (Python round: ties to even).
  const cases: Array<[number, number, Parameters<typeof smartResize>[2], number, number]> = [
    [1080, 1920, {}, 728, 1316], // 38.57->39, 68.57->69: 1092x1932 > 1003520 -> beta=1.4375, floor(26.8)=26, floor(47.7)=47
    [480, 640, {}, 476, 644], // 17.14->17, 22.86->23, within bounds
    [224, 224, {}, 224, 224],
    [1000, 1000, {}, 980, 980], // 35.71->36 = 1008² > max -> beta=0.998, floor(35.78)=35
    [3000, 4000, {}, 840, 1148],
    [70, 300, {}, 56, 308], // 70/28 = 2.5 -> 2 (ties to even; JS Math.round would give 84)
    [126, 300, {}, 112, 308], // 4.5 -> 4
    [98, 154, {}, 112, 168], // 3.5 -> 4, 5.5 -> 6
    [50, 50, {}, 56, 56], // 2*2*784 = 3136 = min: kept
    [10, 10, {}, 56, 56], // 0x0 < min -> beta=5.6, ceil(2) = 2
    [14, 7, {}, 84, 56], // beta=sqrt(3136/98)=5.657: ceil(2.83)=3, ceil(1.41)=2
    [100, 20000, {}, 56, 14140], // ratio 200 allowed
    [1080, 1920, { maxPixels: 12845056 }, 1092, 1932],
    [4000, 6000, { maxPixels: 12845056 }, 2912, 4368],
    [720, 1280, { minPixels: 128 * 28 * 28, maxPixels: 768 * 28 * 28 }, 560, 1008], // Qwen2.5-VL video bounds
  ];
  for (const [h, w, o, eh, ew] of cases) {
    it(`${h}x${w} ${JSON.stringify(o)} -> ${eh}x${ew}`, () => {
      expect(smartResize(h, w, o)).toEqual({ height: eh, width: ew });
    });
  }

  it('rounds ties to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, 2, 3]);
  });

  it('returns multiples of the factor within [min, max] with the aspect ratio kept (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 28, max: 8000 }), fc.integer({ min: 28, max: 8000 }), fc.constantFrom(14, 28, 32), (h, w, factor) => {
        fc.pre(Math.max(h, w) / Math.min(h, w) <= 50);
        const minPixels = 4 * factor * factor;
        const maxPixels = 1280 * factor * factor;
        const r = smartResize(h, w, { factor, minPixels, maxPixels });
        expect(r.height % factor).toBe(0);
        expect(r.width % factor).toBe(0);
        expect(r.height * r.width).toBeLessThanOrEqual(maxPixels);
        expect(r.height * r.width).toBeGreaterThanOrEqual(minPixels);
        // aspect kept: one common scale k (1, the max-branch 1/beta or the min-branch beta) puts
        // both sides within one factor step of the exact scaled size
        const ks = [1, Math.sqrt(maxPixels / (h * w)), Math.sqrt(minPixels / (h * w))];
        const ok = ks.some((k) => Math.abs(r.height - h * k) <= factor && Math.abs(r.width - w * k) <= factor);
        expect(ok).toBe(true);
      }),
    );
  });

  it('refuses absurd arguments with typed errors', () => {
    for (const bad of [[0, 10], [10, -1], [NaN, 10], [10, Infinity]] as const) {
      try {
        smartResize(bad[0], bad[1]);
        expect.unreachable();
      } catch (e) {
        expect(isGlimpseError(e) && e.code === 'bad_input').toBe(true);
      }
    }
    expect(() => smartResize(10, 10000)).toThrow(/aspect ratio/);
    expect(() => smartResize(100, 100, { minPixels: 10, maxPixels: 5 })).toThrow(/minPixels/);
    expect(() => smartResize(100, 100, { factor: 2.5 })).toThrow(/factor/);
  });
});

describe('resizeImage', () => {
  it('smart-resizes pixels and returns the map back to the original', async () => {
    const img = pattern(120, 90);
    const { image, map } = await resizeImage(img, { mode: 'smart' });
    expect([image.width, image.height]).toEqual([112, 84]);
    expect(image.data.length).toBe(112 * 84 * 3);
    expect(map.input).toEqual([112, 84]);
    expect(map.boxToOriginal([0, 0, 112, 84])).toEqual([0, 0, 120, 90]);
    // the colour ramp survives: the right edge stays red-ish, the left edge dark
    const px = (x: number, y: number) => image.data[(y * image.width + x) * 3]!;
    expect(px(111, 40)).toBeGreaterThan(240);
    expect(px(0, 40)).toBeLessThan(15);
  });

  it('resizes to a fixed size and answers in norm1000', async () => {
    const { image, map } = await resizeImage(pattern(50, 40), { mode: 'fixed', width: 64, height: 64 }, { space: 'norm1000' });
    expect([image.width, image.height]).toEqual([64, 64]);
    expect(map.toOriginal([1000, 500])).toEqual([50, 20]);
  });

  it('leaves the image alone with mode none', async () => {
    const img = pattern(33, 17);
    const { image, map } = await resizeImage(img, { mode: 'none' });
    expect(image.data).toEqual(img.data);
    expect(map.toOriginal([3, 4])).toEqual([3, 4]);
  });

  it('refuses absurd target sizes', async () => {
    await expect(resizeImage(pattern(8, 8), { mode: 'fixed', width: 100000, height: 100000 })).rejects.toMatchObject({ code: 'too_large' });
    expect(() => targetSize(8, 8, { mode: 'fixed', width: 0, height: 5 })).toThrow(/positive/);
    expect(() => targetSize(8, 8, { mode: 'fixed', width: 1.5, height: 5 })).toThrow(/positive/);
  });
});
