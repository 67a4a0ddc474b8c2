import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clampRegion, cropRegion, zoomIn } from '../../../modalities/image/crop.js';
import { encodePng } from '../../../modalities/image/encode.js';
import { loadImage } from '../../../modalities/image/load.js';
import { drawOverlay, overlaySvg } from '../../../modalities/image/overlay.js';
import type { RgbImage } from '../../../modalities/types.js';
import { pattern, solid } from './fixtures.js';

const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('crops and zoom-ins', () => {
  it('crops exact pixels and maps crop coordinates to the original', async () => {
    const img = pattern(100, 80);
    const { image, map, region } = await cropRegion(img, [10, 20, 30, 60]);
    expect(region).toEqual([10, 20, 30, 60]);
    expect([image.width, image.height]).toEqual([20, 40]);
    expect(px(image, 0, 0)).toEqual(px(img, 10, 20));
    expect(px(image, 19, 39)).toEqual(px(img, 29, 59));
    expect(map.region).toEqual([10, 20, 30, 60]);
    expect(map.toOriginal([5, 5])).toEqual([15, 25]);
  });

  it('expands by padding and clamps to the image', () => {
    expect(clampRegion([10, 10, 20, 20], 100, 100, 0.5)).toEqual([5, 5, 25, 25]);
    expect(clampRegion([-50, -5, 20.2, 500], 100, 100)).toEqual([0, 0, 21, 100]);
  });

  it('zooms a small region up to at least minPixels, mapping back through the region', async () => {
    const img = pattern(400, 300);
    const z = await zoomIn(img, [100, 100, 140, 130], { padding: 0 });
    expect(z.image.width * z.image.height).toBeGreaterThanOrEqual(256 * 28 * 28);
    expect(z.image.width % 28).toBe(0);
    const [x, y] = z.map.toOriginal([z.image.width, z.image.height]);
    expect(x).toBeCloseTo(140, 9);
    expect(y).toBeCloseTo(130, 9);
  });

  it('maps any point inside the crop back inside the region (property)', async () => {
    const img = pattern(64, 48);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 62 }), fc.integer({ min: 0, max: 46 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), async (x, y, w, h) => {
        const { map, region } = await cropRegion(img, [x, y, x + w, y + h], { resize: { mode: 'fixed', width: 17, height: 13 } });
        const [ox, oy] = map.toOriginal([8.5, 6.5]);
        expect(ox).toBeGreaterThanOrEqual(region[0]);
        expect(ox).toBeLessThanOrEqual(region[2]);
        expect(oy).toBeGreaterThanOrEqual(region[1]);
        expect(oy).toBeLessThanOrEqual(region[3]);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses empty, inverted, NaN and outside regions', async () => {
    const img = pattern(10, 10);
    for (const r of [[5, 5, 5, 9], [8, 8, 2, 2], [NaN, 0, 5, 5], [20, 20, 30, 30], [0, 0, Infinity, 5]] as const) {
      await expect(cropRegion(img, [...r] as [number, number, number, number])).rejects.toMatchObject({ code: 'bad_input' });
    }
    expect(() => clampRegion([0, 0, 5, 5], 10, 10, -1)).toThrow(/padding/);
  });
});

describe('drawOverlay', () => {
  it('draws box outlines, points and labels in the given colours', async () => {
    const img = solid(200, 150, [255, 255, 255]);
    const out = await drawOverlay(img, [
      { bbox: [20, 40, 120, 130], label: 'cat <&"\'>', color: '#ff0000' },
      { point: [160, 30], color: '#0000ff' },
    ]);
    expect([out.width, out.height]).toEqual([200, 150]);
    // left edge of the box is red, its inside stays white
    expect(px(out, 20, 90)).toEqual([255, 0, 0]);
    expect(px(out, 70, 90)).toEqual([255, 255, 255]);
    // the point's centre is blue
    expect(px(out, 160, 30)).toEqual([0, 0, 255]);
    // the label sits on a red tab above the box
    expect(px(out, 22, 30)[0]).toBe(255);
    expect(px(out, 22, 30)[2]).toBeLessThan(60);
    // the input is untouched
    expect(px(img, 20, 90)).toEqual([255, 255, 255]);
  });

  it('handles empty lists, far-away and inverted boxes, unicode and 1 MB labels', async () => {
    const img = solid(50, 40, [0, 0, 0]);
    expect((await drawOverlay(img, [])).data).toEqual(img.data);
    const out = await drawOverlay(img, [{ bbox: [1e12, -1e12, -5, 30] }, { bbox: [40, 30, 10, 10], label: 'x'.repeat(1 << 20) }, { point: [3, 3], label: '猫 🐈 \u0000\u202e' }]);
    expect(out.data.length).toBe(50 * 40 * 3);
  });

  it('rejects non-finite coordinates and colours that could inject SVG', async () => {
    const img = solid(10, 10, [0, 0, 0]);
    await expect(drawOverlay(img, [{ bbox: [0, 0, NaN, 5] }])).rejects.toMatchObject({ code: 'bad_input' });
    await expect(drawOverlay(img, [{ point: [1] as never }])).rejects.toThrow(/item 0/);
    await expect(drawOverlay(img, [{ bbox: [0, 0, 5, 5] }, { bbox: [0, 0, 5, 5], color: 'red"/><script>' }])).rejects.toThrow(/item 1: bad colour/);
    expect(overlaySvg(10, 10, [{ point: [1, 1], label: '</text><script>alert(1)</script>' }])).not.toContain('<script>');
  });

  it('round-trips through PNG encoding', async () => {
    const img = pattern(31, 17);
    const back = await loadImage(await encodePng(img));
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });
});
