import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  expandVisionTokens,
  padBatch,
  parsePreprocessorConfig,
  preprocessorConfigJson,
  processImages,
  processVideos,
  QwenVLProcessor,
  readPreprocessorConfig,
  visionTokenCount,
  writePreprocessorConfig,
} from '../../../../src/policy/model/processor.js';
import { glimpseTinyConfig } from '../../../../src/policy/model/config.js';
import { getRopeIndex, ropeOptionsFromConfig } from '../../../../src/policy/model/rope-index.js';
import { writeTokenizerFolder } from '../../../../src/policy/tokenizer/index.js';
import type { RgbImage } from '../../../../modalities/types.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-proc-'));
  await writeTokenizerFolder(dir);
  await writePreprocessorConfig(dir, glimpseTinyConfig(), { maxPixels: 28 * 28 * 64 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x * 7 + y * 13 + c * 91 + ((x * y) % 17)) % 256;
  return { width, height, data };
}

describe('preprocessor_config.json', () => {
  it('writes a Qwen2-VL config for glimpse-tiny and reads it back', () => {
    const cfg = readPreprocessorConfig(dir);
    expect(cfg).toMatchObject({ patch_size: 14, merge_size: 2, temporal_patch_size: 2, min_pixels: 3136, max_pixels: 28 * 28 * 64, rescale_factor: 1 / 255 });
    expect(preprocessorConfigJson(glimpseTinyConfig())).toMatchObject({ image_processor_type: 'Qwen2VLImageProcessor', processor_class: 'Qwen2VLProcessor', max_pixels: 1003520 });
  });

  it('accepts the size {shortest_edge, longest_edge} spelling and rejects nonsense', () => {
    expect(parsePreprocessorConfig({ size: { shortest_edge: 1000, longest_edge: 2000 } })).toMatchObject({ min_pixels: 1000, max_pixels: 2000 });
    expect(() => parsePreprocessorConfig({ min_pixels: 5000, max_pixels: 10 }, 'p.json')).toThrow(/p.json: min_pixels 5000 exceeds max_pixels 10/);
    expect(() => parsePreprocessorConfig({ patch_size: -14 }, 'p.json')).toThrow(/p.json: .*patch_size/);
    expect(() => parsePreprocessorConfig({ image_std: [0, 1, 1] })).toThrow(/std/);
    expect(() => parsePreprocessorConfig({ do_normalize: false })).toThrow(/do_normalize = false is not supported/);
    expect(() => parsePreprocessorConfig([1, 2])).toThrow(/not a JSON object/);
    expect(() => readPreprocessorConfig(join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'not_found' }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"patch_size": ');
    expect(() => readPreprocessorConfig(bad)).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });
});

describe('vision placeholders', () => {
  it('repeats each pad token t·h·w / merge² times, in order, across prompts', () => {
    const out = expandVisionTokens(['a<|image_pad|>b<|video_pad|>', 'c<|image_pad|>'], { image: [[1, 2, 4], [1, 4, 4]], video: [[2, 2, 2]] }, 2);
    expect(out).toEqual(['a' + '<|image_pad|>'.repeat(2) + 'b' + '<|video_pad|>'.repeat(2), 'c' + '<|image_pad|>'.repeat(4)]);
    expect(visionTokenCount([1, 6, 8], 2)).toBe(12);
    expect(() => visionTokenCount([1, 3, 3], 2)).toThrow(/whole tokens/);
  });

  it('a prompt whose placeholders do not match the images is a clear error', () => {
    expect(() => expandVisionTokens(['<|image_pad|><|image_pad|>'], { image: [[1, 2, 2]] }, 2)).toThrow(/holds 2 image placeholder\(s\) but 1 image\(s\) were given/);
    expect(() => expandVisionTokens(['no image'], { image: [[1, 2, 2]] }, 2)).toThrow(/holds 0 image placeholder/);
    expect(() => expandVisionTokens(['<|video_pad|>', 'x'], {}, 2)).toThrow(/prompts hold 1 video placeholder\(s\) but 0 video/);
    expect(expandVisionTokens([''], {}, 2)).toEqual(['']);
  });

  it('pads batches left or right with a mask', () => {
    expect(padBatch([[1, 2, 3], [4]], 0, 'left')).toEqual({ ids: [[1, 2, 3], [0, 0, 4]], mask: [[1, 1, 1], [0, 0, 1]], length: 3 });
    expect(padBatch([[1, 2, 3], [4]], 9, 'right')).toEqual({ ids: [[1, 2, 3], [4, 9, 9]], mask: [[1, 1, 1], [1, 0, 0]], length: 3 });
  });
});

describe('QwenVLProcessor against @huggingface/transformers Qwen2VLProcessor (offline, same folder)', () => {
  it('same input_ids, image_grid_thw and pixel_values (|Δ| ≤ 1e-5) for an image at its smart size', async () => {
    const ours = await QwenVLProcessor.load(dir);
    const img = image(84, 56); // multiples of 28 within [min, max]: no resampling on either side
    const prompt = ours.chat([{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Where is the red car?' }] }]);
    const mine = await ours.process(prompt, [img]);

    const { AutoProcessor, RawImage, env } = await import('@huggingface/transformers');
    const saved = { remote: env.allowRemoteModels, local: env.localModelPath };
    env.allowRemoteModels = false;
    env.localModelPath = '/';
    try {
      const proc = await AutoProcessor.from_pretrained(dir.replace(/^\//, ''));
      const ref = (await (proc as unknown as (t: string, i: unknown) => Promise<Record<string, { data: ArrayLike<number | bigint>; dims: number[]; tolist(): unknown }>>)(
        prompt,
        new RawImage(new Uint8ClampedArray(img.data), img.width, img.height, 3),
      ));
      const refIds = Array.from(ref.input_ids!.data, Number);
      expect(mine.inputIds[0]).toEqual(refIds);
      expect(mine.images!.imageGridThw).toEqual([[1, 4, 6]]);
      expect(Array.from(ref.image_grid_thw!.data, Number)).toEqual([1, 4, 6]);
      expect(mine.images!.shape).toEqual(ref.pixel_values!.dims);
      let maxDiff = 0;
      const refPx = ref.pixel_values!.data as Float32Array;
      for (let i = 0; i < refPx.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mine.images!.pixelValues[i]! - refPx[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      // 6 merged patches -> 6 image tokens in the prompt; position ids consume them without error
      const cfg = glimpseTinyConfig();
      expect(mine.inputIds[0]!.filter((t) => t === cfg.tokens.imageTokenId).length).toBe(6);
      const rope = getRopeIndex({ inputIds: mine.inputIds, imageGridThw: mine.images!.imageGridThw }, ropeOptionsFromConfig(cfg));
      expect(rope.deltas[0]).toBe(-3); // a 1×2×3 grid advances positions by max(1, 2, 3) = 3 for 6 tokens
    } finally {
      env.allowRemoteModels = saved.remote;
      env.localModelPath = saved.local;
    }
  });

  it('resizes larger images within max_pixels and batches images of different sizes', async () => {
    const ours = await QwenVLProcessor.load(dir);
    const big = image(640, 480); // 307200 px > 28·28·64: scaled down to at most 64 merged tokens
    const small = image(30, 20); // below min_pixels -> β = √(3136/600): 56 × 84 (ceil to 28)
    const out = await ours.process(['<|vision_start|><|image_pad|><|vision_end|>first', 'second <|vision_start|><|image_pad|><|vision_end|>'], [big, small]);
    const [g0, g1] = out.images!.imageGridThw;
    expect(g0![0]).toBe(1);
    expect(out.images!.sizes[0]!.width * out.images!.sizes[0]!.height).toBeLessThanOrEqual(28 * 28 * 64);
    expect(out.images!.sizes[1]).toEqual({ width: 84, height: 56 });
    expect(g1).toEqual([1, 4, 6]);
    expect(out.images!.shape).toEqual([g0![1]! * g0![2]! + 24, 3 * 2 * 14 * 14]);
    const imageId = glimpseTinyConfig().tokens.imageTokenId;
    expect(out.inputIds[0]!.filter((t) => t === imageId).length).toBe((g0![1]! * g0![2]!) / 4);
    expect(out.inputIds[1]!.filter((t) => t === imageId).length).toBe(6);
    expect(out.images!.pixelValues.every(Number.isFinite)).toBe(true);
    await expect(ours.process('<|image_pad|>', [])).rejects.toThrow(/1 image placeholder\(s\) but 0 image/);
    expect((await ours.process('')).inputIds).toEqual([[]]);
  });

  it('a malformed or absurd image is a clear error, not a crash', async () => {
    const cfg = readPreprocessorConfig(dir);
    await expect(processImages([{ width: 10, height: 10, data: new Uint8Array(7) }], cfg)).rejects.toMatchObject({ name: 'GlimpseError' });
    await expect(processImages([{ width: NaN, height: 10, data: new Uint8Array(0) }], cfg)).rejects.toMatchObject({ name: 'GlimpseError' });
    await expect(processImages([{ width: 1000, height: 1, data: new Uint8Array(3000) }], cfg)).rejects.toThrow(/aspect ratio/);
  });

  it('processImages on an empty list gives an empty batch', async () => {
    const b = await processImages([], readPreprocessorConfig(dir));
    expect(b.shape).toEqual([0, 1176]);
    expect(b.imageGridThw).toEqual([]);
  });
});

describe('glimpse-tiny folder files', () => {
  it('writes config, generation, preprocessor and tokenizer files that load back', async () => {
    const { writeGlimpseTinyFiles, GLIMPSE_TINY_PIXELS } = await import('../../../../src/policy/model/processor.js');
    const { readModelConfig } = await import('../../../../src/policy/model/config.js');
    const d = join(dir, 'tiny');
    const files = await writeGlimpseTinyFiles(d);
    expect(files.sort()).toEqual(['chat_template.json', 'config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readModelConfig(join(d, 'config.json'))).toEqual(glimpseTinyConfig());
    expect(readPreprocessorConfig(d)).toMatchObject({ min_pixels: GLIMPSE_TINY_PIXELS.minPixels, max_pixels: GLIMPSE_TINY_PIXELS.maxPixels });
    const p = await QwenVLProcessor.load(d);
    expect(p.tokenizer.encode('<|im_end|>')).toEqual(glimpseTinyConfig().tokens.eosTokenIds);
  });
});

describe('videos', () => {
  function flat(width: number, height: number, v: number): RgbImage {
    return { width, height, data: new Uint8Array(width * height * 3).fill(v) };
  }

  it('patchifies frames in temporal pairs (odd count repeats the last) with seconds per grid', async () => {
    const cfg = { ...readPreprocessorConfig(dir), image_mean: [0, 0, 0] as [number, number, number], image_std: [1, 1, 1] as [number, number, number], rescale_factor: 1 };
    const b = await processVideos([{ frames: [flat(84, 56, 10), flat(84, 56, 20), flat(84, 56, 30)], fps: 4 }], cfg);
    expect(b.videoGridThw).toEqual([[2, 4, 6]]);
    expect(b.secondPerGridTs).toEqual([0.5]);
    expect(b.shape).toEqual([48, 1176]);
    // first patch of temporal group 0: frame 0 then frame 1; of group 1: frame 2 twice
    expect(b.pixelValues[0]).toBe(10);
    expect(b.pixelValues[196]).toBe(20);
    expect(b.pixelValues[24 * 1176]).toBe(30);
    expect(b.pixelValues[24 * 1176 + 196]).toBe(30);
  });

  it('expands <|video_pad|> and feeds position ids (Qwen2.5-VL time scaling)', async () => {
    const ours = await QwenVLProcessor.load(dir);
    const frames = [image(84, 56), image(84, 56)];
    const out = await ours.process('<|vision_start|><|video_pad|><|vision_end|>what happens?', [], [{ frames, fps: 2 }]);
    const cfg = glimpseTinyConfig();
    expect(out.videos!.videoGridThw).toEqual([[1, 4, 6]]);
    expect(out.inputIds[0]!.filter((t) => t === cfg.tokens.videoTokenId).length).toBe(6);
    const rope = getRopeIndex(
      { inputIds: out.inputIds, videoGridThw: out.videos!.videoGridThw, secondPerGridTs: out.videos!.secondPerGridTs },
      { ...ropeOptionsFromConfig(cfg), modelType: 'qwen2_5_vl', tokensPerSecond: 2 },
    );
    expect(rope.positionIds.length).toBe(3 * out.inputIds[0]!.length);
  });

  it('bad videos are clear errors', async () => {
    const cfg = readPreprocessorConfig(dir);
    await expect(processVideos([{ frames: [] }], cfg)).rejects.toThrow(/video 0: no frames/);
    await expect(processVideos([{ frames: [flat(84, 56, 1), flat(56, 56, 1)] }], cfg)).rejects.toThrow(/frame 1 is 56x56, frame 0 is 84x56/);
    await expect(processVideos([{ frames: [flat(84, 56, 1)], fps: 0 }], cfg)).rejects.toThrow(/fps/);
    const ours = await QwenVLProcessor.load(dir);
    await expect(ours.process('<|video_pad|>', [])).rejects.toThrow(/1 video placeholder\(s\) but 0 video/);
  });
});
