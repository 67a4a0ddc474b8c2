import { describe, expect, it } from 'vitest';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, preprocessImage, toPixelValues } from '../../../modalities/image/tensor.js';
import type { RgbImage } from '../../../modalities/types.js';
import { pattern } from './fixtures.js';

function seq(width: number, height: number, f: (i: number) => number = (i) => (i * 37) % 256): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = f(i);
  return { width, height, data };
}

describe('toPixelValues (Qwen2-VL layout)', () => {
  it('matches hand-computed values on a tiny grid (P=1, m=2, T=2, identity normalisation)', () => {
    // 2x2 image, patch 1, merge 2: one merge block, 4 patches in row-major order (0,0),(0,1),(1,0),(1,1);
    // each patch row is [R t0, R t1, G t0, G t1, B t0, B t1] (C, T, P, P order)
    const img = seq(2, 2, (i) => i);
    const pv = toPixelValues(img, { patch_size: 1, merge_size: 2, temporal_patch_size: 2, image_mean: [0, 0, 0], image_std: [1, 1, 1], rescale_factor: 1 });
    expect(pv.shape).toEqual([4, 6]);
    expect(pv.gridThw).toEqual([1, 2, 2]);
    expect(Array.from(pv.data)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11]);
  });

  it('orders patches merge-block by merge-block (P=1, m=2 on a 4x2 image)', () => {
    // columns 0-1 form block 0, columns 2-3 block 1: patch order (0,0),(0,1),(1,0),(1,1),(0,2),(0,3),(1,2),(1,3)
    const img = seq(4, 2, (i) => Math.floor(i / 3)); // every channel = pixel index y*4+x
    const pv = toPixelValues(img, { patch_size: 1, merge_size: 2, temporal_patch_size: 1, image_mean: [0, 0, 0], image_std: [1, 1, 1], rescale_factor: 1 });
    expect(pv.shape).toEqual([8, 3]);
    expect(Array.from(pv.data).filter((_, i) => i % 3 === 0)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
  });

  it('normalises with CLIP mean/std: x/255 - mean over std', () => {
    const pv = toPixelValues(seq(28, 28));
    expect(pv.shape).toEqual([4, 3 * 2 * 14 * 14]);
    expect(pv.data[0]).toBeCloseTo((0 / 255 - OPENAI_CLIP_MEAN[0]) / OPENAI_CLIP_STD[0], 5);
    expect(pv.data[1]).toBeCloseTo((111 / 255 - OPENAI_CLIP_MEAN[0]) / OPENAI_CLIP_STD[0], 5); // pixel (1,0) R = byte 3 = 111
    // the second temporal copy of a single image equals the first (image repeated T times)
    expect(pv.data[14 * 14]).toBe(pv.data[0]);
  });

  it('pads frames to a multiple of temporal_patch_size by repeating the last frame', () => {
    const a = seq(28, 28, () => 10);
    const b = seq(28, 28, () => 20);
    const c = seq(28, 28, () => 30);
    const pv = toPixelValues([a, b, c], { image_mean: [0, 0, 0], image_std: [1, 1, 1], rescale_factor: 1 });
    expect(pv.gridThw).toEqual([2, 2, 2]);
    const patchLen = 3 * 2 * 14 * 14;
    const t1 = pv.data.subarray(4 * patchLen, 4 * patchLen + patchLen);
    expect(t1[0]).toBe(30);
    expect(t1[14 * 14]).toBe(30);
    expect(pv.data[14 * 14]).toBe(20);
  });

  it('agrees with @huggingface/transformers Qwen2VLImageProcessor on an image already at its smart size', async () => {
    const { Qwen2VLImageProcessor, RawImage } = await import('@huggingface/transformers');
    const img = seq(56, 84);
    const proc = new Qwen2VLImageProcessor({
      do_resize: true, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true,
      image_mean: [...OPENAI_CLIP_MEAN], image_std: [...OPENAI_CLIP_STD], min_pixels: 3136, max_pixels: 1003520,
      patch_size: 14, temporal_patch_size: 2, merge_size: 2, do_convert_rgb: true, resample: 3,
    } as never);
    const ref = await (proc as unknown as (i: unknown) => Promise<{ pixel_values: { dims: number[]; data: Float32Array }; image_grid_thw: { tolist(): bigint[][] } }>)(
      new RawImage(new Uint8ClampedArray(img.data), 56, 84, 3),
    );
    const ours = await preprocessImage(img);
    expect([ours.width, ours.height]).toEqual([56, 84]);
    expect(ours.shape).toEqual(ref.pixel_values.dims);
    expect(ours.gridThw).toEqual(ref.image_grid_thw.tolist()[0]!.map(Number));
    let maxDiff = 0;
    for (let i = 0; i < ours.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours.data[i]! - ref.pixel_values.data[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('smart-resizes before flattening in preprocessImage', async () => {
    const r = await preprocessImage(pattern(120, 90));
    expect([r.width, r.height]).toEqual([112, 84]);
    expect(r.gridThw).toEqual([1, 6, 8]);
    expect(r.shape).toEqual([48, 1176]);
    expect(r.data.every(Number.isFinite)).toBe(true);
  });

  it('refuses mis-sized or mismatched frames and bad configs', () => {
    expect(() => toPixelValues(seq(30, 28))).toThrow(/multiple of/);
    expect(() => toPixelValues([seq(28, 28), seq(56, 28)])).toThrow(/frame 1/);
    expect(() => toPixelValues([])).toThrow(/no frames/);
    expect(() => toPixelValues(seq(28, 28), { image_std: [0, 1, 1] })).toThrow(/std/);
    expect(() => toPixelValues({ width: 28, height: 28, data: new Uint8Array(5) })).toThrow(/bytes/);
  });
});
