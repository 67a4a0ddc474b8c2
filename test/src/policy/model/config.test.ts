import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countParameters, glimpseTinyConfig, modelPreset, modelPresetNames, parseModelConfig, readModelConfig, toHfConfigJson, writeModelConfig } from '../../../../src/policy/model/config.js';
import { QWEN25_VL_3B, QWEN2_VL_2B } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-cfg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model config (Qwen2-VL / Qwen2.5-VL config.json)', () => {
  it('reads Qwen2-VL-2B: vision embed_dim is the ViT width, vision hidden_size the merger output', () => {
    const c = parseModelConfig(QWEN2_VL_2B);
    expect(c.modelType).toBe('qwen2_vl');
    expect(c.text).toMatchObject({ hiddenSize: 1536, numAttentionHeads: 12, numKeyValueHeads: 2, headDim: 128, mropeSection: [16, 24, 24], ropeTheta: 1e6, tieWordEmbeddings: true, vocabSize: 151936 });
    expect(c.vision).toMatchObject({ depth: 32, embedDim: 1280, mlpDim: 5120, numHeads: 16, outHiddenSize: 1536, norm: 'layernorm', mlp: 'mlp', hiddenAct: 'quick_gelu', windowSize: null, tokensPerSecond: null, inChannels: 3 });
    expect(c.tokens).toEqual({ imageTokenId: 151655, videoTokenId: 151656, visionStartTokenId: 151652, visionEndTokenId: 151653, bosTokenId: 151643, eosTokenIds: [151645], padTokenId: null });
    // the parameter count the Hub shows for Qwen/Qwen2-VL-2B-Instruct
    const n = countParameters(c);
    expect(n.total).toBe(2_208_985_600);
    expect(n.vision).toBe(665_271_296);
  });

  it('reads Qwen2.5-VL-3B: window attention, RMSNorm, gated MLP, out_hidden_size', () => {
    const c = parseModelConfig(QWEN25_VL_3B);
    expect(c.modelType).toBe('qwen2_5_vl');
    expect(c.vision).toMatchObject({ embedDim: 1280, outHiddenSize: 2048, mlpDim: 3420, norm: 'rmsnorm', mlp: 'gated', hiddenAct: 'silu', windowSize: 112, fullattBlockIndexes: [7, 15, 23, 31], tokensPerSecond: 2 });
    expect(c.text).toMatchObject({ hiddenSize: 2048, numHiddenLayers: 36, headDim: 128, maxPositionEmbeddings: 128000 });
    // the parameter count the Hub shows for Qwen/Qwen2.5-VL-3B-Instruct
    expect(countParameters(c).total).toBe(3_754_622_976);
  });

  it('accepts the nested layout (text_config + rope_parameters) of newer transformers', () => {
    const { hidden_size, intermediate_size, num_attention_heads, num_hidden_layers, num_key_value_heads, rope_scaling: _r, rope_theta, vocab_size, ...rest } = QWEN2_VL_2B;
    const nested = {
      ...rest,
      text_config: { hidden_size, intermediate_size, num_attention_heads, num_hidden_layers, num_key_value_heads, vocab_size, rope_parameters: { rope_type: 'default', rope_theta, mrope_section: [16, 24, 24] } },
    };
    expect(parseModelConfig(nested)).toEqual(parseModelConfig(QWEN2_VL_2B));
  });

  it('round-trips through the classic layout (both model types and the tiny preset)', async () => {
    for (const c of [parseModelConfig(QWEN2_VL_2B), parseModelConfig(QWEN25_VL_3B), glimpseTinyConfig()]) {
      expect(parseModelConfig(JSON.parse(JSON.stringify(toHfConfigJson(c))))).toEqual(c);
    }
    const p = join(dir, 'config.json');
    await writeModelConfig(p, glimpseTinyConfig());
    expect(readModelConfig(p)).toEqual(glimpseTinyConfig());
  });

  it('glimpse-tiny is the same architecture at a few million parameters', () => {
    expect(modelPresetNames()).toEqual(['glimpse-tiny']);
    const c = modelPreset('glimpse-tiny');
    const n = countParameters(c);
    expect(n.total).toBeGreaterThan(2e6);
    expect(n.total).toBeLessThan(8e6);
    expect(c.text.mropeSection.reduce((a, b) => a + b, 0)).toBe(c.text.headDim / 2);
    expect(c.tokens.imageTokenId).toBe(1012);
    expect(toHfConfigJson(c)).toMatchObject({ model_type: 'qwen2_vl', architectures: ['Qwen2VLForConditionalGeneration'], vision_config: { embed_dim: 128, hidden_size: 256, mlp_ratio: 4 } });
    expect(() => modelPreset('glimpse-huge')).toThrow(/unknown model preset "glimpse-huge"; known: glimpse-tiny/);
  });

  it('inconsistent configs are bad_config errors listing every problem', () => {
    const bad = (patch: Record<string, unknown>) => () => parseModelConfig({ ...QWEN2_VL_2B, ...patch }, 'x/config.json');
    expect(bad({ hidden_size: 1000 })).toThrow(/x\/config.json: .*not divisible by num_attention_heads/);
    expect(bad({ num_key_value_heads: 5 })).toThrow(/not a multiple of num_key_value_heads 5/);
    expect(bad({ rope_scaling: { type: 'mrope', mrope_section: [16, 24, 16] } })).toThrow(/sums to 56, expected head_dim \/ 2 = 64/);
    expect(bad({ rope_scaling: null })).toThrow(/mrope_section is missing/);
    expect(bad({ rope_scaling: { mrope_section: [1, 2] } })).toThrow(/mrope_section/);
    expect(bad({ image_token_id: 999999 })).toThrow(/image_token_id 999999 is outside the vocabulary/);
    expect(bad({ model_type: 'llama' })).toThrow(/model_type/);
    expect(bad({ hidden_size: -1 })).toThrow(/hidden_size/);
    expect(bad({ hidden_size: 'big' })).toThrow(/hidden_size/);
    expect(bad({ use_sliding_window: true })).toThrow(/sliding/);
    expect(bad({ vision_config: { ...QWEN2_VL_2B.vision_config, hidden_size: 2048 } })).toThrow(/merger output 2048 differs/);
    expect(bad({ vision_config: { ...QWEN2_VL_2B.vision_config, num_heads: 7 } })).toThrow(/not divisible by vision num_heads 7/);
    expect(() => parseModelConfig({ ...QWEN25_VL_3B, vision_config: { ...QWEN25_VL_3B.vision_config, fullatt_block_indexes: [40], window_size: 100 } })).toThrow(/fullatt_block_indexes has 40.*|window_size 100/);
    expect(() => parseModelConfig(null)).toThrow(/not a Qwen2-VL/);
    expect(() => parseModelConfig('x'.repeat(1_000_000))).toThrow(/not a Qwen2-VL/);
    expect(() => parseModelConfig({ ...QWEN2_VL_2B, text_config: { hidden_size: 0 } })).toThrow(/text_config: hidden_size/);
  });

  it('never throws anything but a GlimpseError on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseModelConfig(v);
        } catch (e) {
          expect((e as Error).name).toBe('GlimpseError');
        }
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('hidden_size', 'num_attention_heads', 'num_key_value_heads', 'vocab_size', 'image_token_id'), fc.oneof(fc.integer(), fc.double(), fc.constant(NaN))), (patch) => {
        try {
          parseModelConfig({ ...QWEN2_VL_2B, ...patch });
        } catch (e) {
          expect((e as Error).name).toBe('GlimpseError');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reading a missing or broken file names it', () => {
    expect(() => readModelConfig(join(dir, 'none.json'))).toThrow(expect.objectContaining({ code: 'not_found' }));
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{"model_type": "qwen2_vl",');
    expect(() => readModelConfig(p)).toThrow(expect.objectContaining({ code: 'corrupt', message: expect.stringContaining(p) }));
  });
});
