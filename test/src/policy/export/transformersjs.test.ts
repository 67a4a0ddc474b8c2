/**
 * The project's independent check of the architecture: glimpse-tiny exported to the transformers.js
 * layout, loaded by @huggingface/transformers from the local folder, gives the same logits as
 * glimpse's own graphs on the same image + prompt, and the same greedy tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../../../src/policy/model/folder.js';
import type { QwenVLPolicy } from '../../../../src/policy/model/policy.js';
import { paramSpecs } from '../../../../src/policy/model/params.js';
import { readModelConfig } from '../../../../src/policy/model/config.js';
import { exportFormat, exportFormatNames, exportTransformersJs } from '../../../../src/policy/export/transformersjs.js';
import type { RgbImage } from '../../../../modalities/types.js';
import { glimpseLastLogits } from './reference.js';

type TF = typeof import('@huggingface/transformers');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A deterministic 84×56 test card (already a multiple of 28, so no resampling on either side). */
function testImage(): RgbImage {
  const width = 84;
  const height = 56;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x < 42 ? 220 : 30;
      data[o + 1] = (x * 3 + y * 5) % 256;
      data[o + 2] = y < 28 ? 200 : (x * y) % 256;
    }
  return { width, height, data };
}

const PROMPT = 'Where is the red half? Answer left or right.';

describe('export to transformers.js (glimpse-tiny)', () => {
  let dir: string;
  let out: string;
  let policy: QwenVLPolicy;
  let tf: TF;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glimpse-export-'));
    out = join(dir, 'tiny-tjs');
    policy = await loadPolicy('glimpse-tiny', { seed: 11, threads: 2 });
    // std 0.02 makes attention nearly uniform and hides position errors: sharpen the random model
    for (const s of paramSpecs(policy.cfg)) if (s.init === 'normal') policy.params.get(s.name)!.forEach((v, i, a) => (a[i] = v * 5));
    await exportTransformersJs(policy, out);
    tf = await import('@huggingface/transformers');
    tf.env.allowRemoteModels = false;
  }, 120_000);

  afterAll(async () => {
    await policy?.release();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the transformers.js layout', () => {
    for (const f of ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/embed_tokens.onnx', 'onnx/vision_encoder.onnx', 'onnx/decoder_model_merged.onnx']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg.model_type).toBe('qwen2_vl');
    expect(cfg['transformers.js_config'].dtype).toBe('fp32');
    expect(JSON.parse(readFileSync(join(out, 'preprocessor_config.json'), 'utf8')).image_processor_type).toBe('Qwen2VLImageProcessor');
    expect(readModelConfig(join(out, 'config.json'))).toEqual(policy.cfg);
  });

  it('loads in transformers.js and its logits match glimpse\'s graphs on an image + prompt (|Δ| ≤ 1e-3), greedy tokens too', async () => {
    const model = await tf.Qwen2VLForConditionalGeneration.from_pretrained(out, { local_files_only: true });
    const processor = await tf.AutoProcessor.from_pretrained(out, { local_files_only: true });
    const img = testImage();
    const raw = new tf.RawImage(new Uint8ClampedArray(img.data), img.width, img.height, 3);
    const text = `<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>${PROMPT}<|im_end|>\n<|im_start|>assistant\n`;
    const inputs = await processor(text, raw);
    // glimpse's own prompt encoding: same ids, same grid, same pixel values
    const enc = await policy.encodePrompt({ text: PROMPT, images: [img] });
    const tjsIds = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    expect(tjsIds).toEqual(enc.ids);
    expect((inputs.image_grid_thw.tolist() as bigint[][])[0]!.map(Number)).toEqual([...enc.images[0]!.grid]);
    expect(maxAbsDiff(inputs.pixel_values.data as Float32Array, enc.images[0]!.pixelValues)).toBeLessThan(1e-5);
    expect(enc.ids.filter((t) => t === policy.cfg.tokens.imageTokenId).length).toBe(6); // 4×6 patches -> 6 tokens

    const want = await glimpseLastLogits(policy, enc.ids, enc.images);
    const V = policy.cfg.text.vocabSize;
    const outp = await model(inputs);
    const [, S] = outp.logits.dims as number[];
    const got = (outp.logits.data as Float32Array).subarray((S! - 1) * V, S! * V);
    const spread = Math.max(...want) - Math.min(...want);
    expect(spread).toBeGreaterThan(1); // a model whose logits say something
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-3);

    // the check can fail: plain 1-D positions (no M-RoPE for the image) give other logits
    const plain = new tf.Tensor('int64', BigInt64Array.from({ length: 3 * S! }, (_, i) => BigInt(i % S!)), [3, 1, S!]);
    const wrong = await model({ ...inputs, position_ids: plain });
    expect(maxAbsDiff((wrong.logits.data as Float32Array).subarray((S! - 1) * V, S! * V), want)).toBeGreaterThan(1e-2);

    // greedy decoding: transformers.js generate (KV cache, rope deltas) vs glimpse generate
    const N = 12;
    const gen = await model.generate({ ...inputs, max_new_tokens: N, do_sample: false });
    const tjsNew = ((gen as InstanceType<TF["Tensor"]>).tolist() as bigint[][])[0]!.slice(enc.ids.length).map(Number);
    const [mine] = await policy.generate([{ text: PROMPT, images: [img] }], { n: 1, temperature: 0, maxNewTokens: N });
    expect(tjsNew.length).toBeGreaterThan(0);
    expect(mine!.tokens.length).toBeGreaterThanOrEqual(8); // a real comparison, not an early EOS
    expect(tjsNew.slice(0, mine!.tokens.length)).toEqual(mine!.tokens);
  }, 120_000);

  it('writes external data (onnx/<name>.onnx_data) that transformers.js loads', async () => {
    const ext = join(dir, 'ext');
    const r = await exportTransformersJs(policy, ext, { externalData: 'always' });
    expect(r.files).toContain('onnx/decoder_model_merged.onnx_data');
    const cfg = JSON.parse(readFileSync(join(ext, 'config.json'), 'utf8'));
    expect(cfg['transformers.js_config'].use_external_data_format['decoder_model_merged.onnx']).toBe(1);
    const model = await tf.Qwen2VLForConditionalGeneration.from_pretrained(ext, { local_files_only: true });
    const ids = new tf.Tensor('int64', BigInt64Array.of(1001n, 300n, 301n), [1, 3]);
    const o = await model({ input_ids: ids, attention_mask: new tf.Tensor('int64', BigInt64Array.of(1n, 1n, 1n), [1, 3]) });
    expect(o.logits.dims).toEqual([1, 3, policy.cfg.text.vocabSize]);
    const want = await glimpseLastLogits(policy, [1001, 300, 301], []);
    expect(maxAbsDiff((o.logits.data as Float32Array).subarray(2 * 1024, 3 * 1024), want)).toBeLessThanOrEqual(1e-3);
  }, 120_000);

  it('refuses a non-empty --out without overwrite, and unknown formats by name', async () => {
    const busy = join(dir, 'busy');
    mkdirSync(busy, { recursive: true });
    writeFileSync(join(busy, 'keep.txt'), 'x');
    await expect(exportTransformersJs(policy, busy)).rejects.toThrow(/not empty/);
    expect(readFileSync(join(busy, 'keep.txt'), 'utf8')).toBe('x');
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(exportTransformersJs(policy, file)).rejects.toThrow(/not a folder/);
    expect(() => exportFormat('gguf')).toThrow(/unknown export format "gguf"; known: transformersjs/);
    expect(exportFormatNames()).toEqual(['transformersjs']);
    // non-finite weights are refused by name, and nothing is left behind
    const w = policy.params.get('model.layers.1.mlp.up_proj.weight')!;
    const keep = w[5]!;
    w[5] = Number.NaN;
    try {
      await expect(exportTransformersJs(policy, join(dir, 'nan'))).rejects.toThrow(/weight model\.layers\.1\.mlp\.up_proj\.weight holds NaN at element 5/);
    } finally {
      w[5] = keep;
    }
    expect(existsSync(join(dir, 'nan'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('export-'))).toEqual([]);
  });
});
