/**
 * Qwen2.5-VL (RMSNorm + SwiGLU vision blocks, window attention except in fullatt blocks,
 * `image_grid_thw` input): a small model of that family exported and loaded by transformers.js'
 * Qwen2_5_VLForConditionalGeneration gives glimpse's logits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glimpseTinyConfig, readModelConfig, type QwenVLConfig } from '../../../../src/policy/model/config.js';
import { initParams } from '../../../../src/policy/model/params.js';
import { QwenVLPolicy } from '../../../../src/policy/model/policy.js';
import { TINY_PROCESSOR } from '../../../../src/policy/model/folder.js';
import { writeTokenizerFolder } from '../../../../src/policy/tokenizer/build.js';
import { loadTokenizer } from '../../../../src/policy/tokenizer/load.js';
import { exportTransformersJs } from '../../../../src/policy/export/transformersjs.js';
import { glimpseLastLogits } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-export25-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function qwen25Config(): QwenVLConfig {
  const c = glimpseTinyConfig();
  return {
    ...c,
    modelType: 'qwen2_5_vl',
    text: { ...c.text, numHiddenLayers: 2 },
    vision: { ...c.vision, norm: 'rmsnorm', mlp: 'gated', hiddenAct: 'silu', mlpDim: 256, windowSize: 56, fullattBlockIndexes: [1], tokensPerSecond: 2 },
  };
}

describe('export to transformers.js (Qwen2.5-VL family)', () => {
  it('window attention and image_grid_thw: transformers.js logits match glimpse (|Δ| ≤ 1e-3)', async () => {
    const cfg = qwen25Config();
    const tokDir = join(dir, 'tok');
    await writeTokenizerFolder(tokDir);
    const params = initParams(cfg, 21, 0.1);
    const policy = new QwenVLPolicy('tiny-25', cfg, params, await loadTokenizer(tokDir), TINY_PROCESSOR, { threads: 2 });
    policy.tokenizerDir = tokDir;
    const out = join(dir, 'tjs');
    await exportTransformersJs(policy, out);
    expect(readModelConfig(join(out, 'config.json'))).toEqual(cfg); // the nested text_config reads back the same
    const tf = await import('@huggingface/transformers');
    tf.env.allowRemoteModels = false;
    const model = await tf.Qwen2_5_VLForConditionalGeneration.from_pretrained(out, { local_files_only: true });
    expect(Object.keys((model as unknown as { sessions: Record<string, unknown> }).sessions).sort()).toEqual(['decoder_model_merged', 'embed_tokens', 'vision_encoder']);
    const processor = await tf.AutoProcessor.from_pretrained(out, { local_files_only: true });
    // 168×112 -> 12×8 patches -> 6×4 merged: several 2×2 windows of merged tokens
    const width = 168;
    const height = 112;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 97) % 256);
    const raw = new tf.RawImage(new Uint8ClampedArray(data), width, height, 3);
    const text = '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Count the stripes.<|im_end|>\n<|im_start|>assistant\n';
    const inputs = await processor(text, raw);
    const enc = await policy.encodePrompt({ text: 'Count the stripes.', images: [{ width, height, data }] });
    expect(Array.from(inputs.input_ids.data as BigInt64Array, Number)).toEqual(enc.ids);
    const want = await glimpseLastLogits(policy, enc.ids, enc.images);
    const o = await model(inputs);
    const V = cfg.text.vocabSize;
    const S = (o.logits.dims as number[])[1]!;
    const got = (o.logits.data as Float32Array).subarray((S - 1) * V, S * V);
    let d = 0;
    for (let i = 0; i < V; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
    expect(Math.max(...want) - Math.min(...want)).toBeGreaterThan(0.5);
    expect(d).toBeLessThanOrEqual(1e-3);
    await policy.release();
  }, 120_000);
});
