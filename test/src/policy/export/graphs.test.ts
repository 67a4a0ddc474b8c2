import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildDecodeGraph, buildVisionGraph } from '../../../../src/policy/model/graphs.js';
import { initParams, paramSpecs } from '../../../../src/policy/model/params.js';
import { paramFeeds, visionFeeds, type ImagePatches } from '../../../../src/policy/model/feeds.js';
import { decoderMask, mropeTables } from '../../../../src/policy/model/rope.js';
import { getRopeIndex, ropeOptionsFromConfig } from '../../../../src/policy/model/rope-index.js';
import { buildDecoderMergedGraph, buildEmbedTokensGraph, buildVisionEncoderGraph, gridInputName } from '../../../../src/policy/export/graphs.js';
import { Rng } from '../../../../src/util/rng.js';
import { microConfig } from '../model/micro.js';

function image(rng: Rng, grid: [number, number, number]): ImagePatches {
  const n = grid[0] * grid[1] * grid[2] * 3 * 2 * 14 * 14;
  return { pixelValues: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), grid };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('exported graphs compute what glimpse computes on the host', () => {
  for (const modelType of ['qwen2_vl', 'qwen2_5_vl'] as const) {
    it(`vision_encoder (grid_thw in-graph) equals the vision graph with host tables (${modelType})`, async () => {
      const cfg = microConfig({ modelType });
      const params = initParams(cfg, 5, 0.2);
      const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
      const rng = new Rng(2);
      // several images of different grids, one with two temporal frames (a video-like grid)
      const imgs = [image(rng, [1, 4, 6]), image(rng, [2, 4, 4]), image(rng, [1, 8, 4])];
      const host = await ort.InferenceSession.create(buildVisionGraph(cfg).toBytes());
      const want = (await host.run({ ...visionFeeds(cfg, imgs), ...paramFeeds(params, shapes, host.inputNames) })).image_features!;
      const exp = await ort.InferenceSession.create(buildVisionEncoderGraph(cfg, params).toBytes());
      expect(exp.inputNames).toEqual(['pixel_values', gridInputName(cfg)]);
      const pv = visionFeeds(cfg, imgs).pixel_values!;
      const grid = new ort.Tensor('int64', BigInt64Array.from(imgs.flatMap((i) => i.grid.map(BigInt))), [imgs.length, 3]);
      const got = (await exp.run({ pixel_values: pv, [gridInputName(cfg)]: grid })).image_features!;
      expect(got.dims).toEqual(want.dims);
      expect(maxAbsDiff(got.data as Float32Array, want.data as Float32Array)).toBeLessThan(1e-5);
    });
  }

  it('decoder_model_merged (position_ids, attention_mask in-graph) equals the decode graph, prefill and cached step', async () => {
    const cfg = microConfig({ tie: false });
    const params = initParams(cfg, 7, 0.2);
    const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
    const L = cfg.text.numHiddenLayers;
    const KV = cfg.text.numKeyValueHeads;
    const hd = cfg.text.headDim;
    const D = cfg.text.hiddenSize;
    const V = cfg.text.vocabSize;
    const prompt = [5, 6, 62, 60, 60, 60, 60, 63, 7, 8];
    const grid: [number, number, number] = [1, 4, 4];
    const rope = getRopeIndex({ inputIds: [prompt], imageGridThw: [grid] }, ropeOptionsFromConfig(cfg));
    const rng = new Rng(3);
    const S = prompt.length;
    const embeds = Float32Array.from({ length: S * D }, () => rng.uniform(-1, 1));
    // glimpse decode graph with host tables
    const dg = await ort.InferenceSession.create(buildDecodeGraph(cfg).toBytes());
    const tab = mropeTables(cfg, rope.positionIds, 1, S);
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', embeds, [1, S, D]),
      cos: new ort.Tensor('float32', tab.cos, [1, S, hd]),
      sin: new ort.Tensor('float32', tab.sin, [1, S, hd]),
      attn_mask: new ort.Tensor('float32', decoderMask(1, S, 0), [1, 1, 1, S, S]),
      ...paramFeeds(params, shapes, dg.inputNames),
    };
    for (let i = 0; i < L; i++) {
      feeds[`past_key.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, hd]);
      feeds[`past_value.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, hd]);
    }
    const want = await dg.run(feeds);
    // exported graph
    const xg = await ort.InferenceSession.create(buildDecoderMergedGraph(cfg, params).toBytes());
    const xf: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', embeds, [1, S, D]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(rope.positionIds, (x) => BigInt(x)), [3, 1, S]),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(0n), []),
    };
    for (let i = 0; i < L; i++) {
      xf[`past_key_values.${i}.key`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, hd]);
      xf[`past_key_values.${i}.value`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, hd]);
    }
    const got = await xg.run(xf);
    expect(got.logits!.dims).toEqual([1, S, V]);
    const last = (got.logits!.data as Float32Array).subarray((S - 1) * V, S * V);
    expect(maxAbsDiff(last, want.logits!.data as Float32Array)).toBeLessThan(1e-5);
    for (let i = 0; i < L; i++) expect(maxAbsDiff(got[`present.${i}.key`]!.data as Float32Array, want[`present_key.${i}`]!.data as Float32Array)).toBeLessThan(1e-5);
    // num_logits_to_keep: the last k positions (k larger than seq keeps all)
    for (const k of [1, 3, S + 5]) {
      const kept = (await xg.run({ ...xf, num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), []) })).logits!;
      const n = Math.min(k, S);
      expect(kept.dims).toEqual([1, n, V]);
      expect(maxAbsDiff(kept.data as Float32Array, (got.logits!.data as Float32Array).subarray((S - n) * V))).toBeLessThan(1e-6);
    }
    // one cached step
    const e1 = Float32Array.from({ length: D }, () => rng.uniform(-1, 1));
    const pos = S + rope.deltas[0]!;
    const t1 = mropeTables(cfg, new Int32Array(3).fill(pos), 1, 1);
    const sf: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', e1, [1, 1, D]),
      cos: new ort.Tensor('float32', t1.cos, [1, 1, hd]),
      sin: new ort.Tensor('float32', t1.sin, [1, 1, hd]),
      attn_mask: new ort.Tensor('float32', new Float32Array(S + 1), [1, 1, 1, 1, S + 1]),
      ...paramFeeds(params, shapes, dg.inputNames),
    };
    const xs: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', e1, [1, 1, D]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S + 1).fill(1n), [1, S + 1]),
      position_ids: new ort.Tensor('int64', new BigInt64Array(3).fill(BigInt(pos)), [3, 1, 1]),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []),
    };
    for (let i = 0; i < L; i++) {
      sf[`past_key.${i}`] = want[`present_key.${i}`]!;
      sf[`past_value.${i}`] = want[`present_value.${i}`]!;
      xs[`past_key_values.${i}.key`] = got[`present.${i}.key`]!;
      xs[`past_key_values.${i}.value`] = got[`present.${i}.value`]!;
    }
    const w2 = await dg.run(sf);
    const g2 = await xg.run(xs);
    expect(maxAbsDiff(g2.logits!.data as Float32Array, w2.logits!.data as Float32Array)).toBeLessThan(1e-5);
  });

  it('embed_tokens looks rows up', async () => {
    const cfg = microConfig();
    const params = initParams(cfg, 1, 0.2);
    const s = await ort.InferenceSession.create(buildEmbedTokensGraph(cfg, params).toBytes());
    const r = await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.of(3n, 0n, 63n), [1, 3]) });
    const emb = params.get('model.embed_tokens.weight')!;
    const D = cfg.text.hiddenSize;
    expect(r.inputs_embeds!.dims).toEqual([1, 3, D]);
    expect(Array.from((r.inputs_embeds!.data as Float32Array).subarray(2 * D, 3 * D))).toEqual(Array.from(emb.subarray(63 * D, 64 * D)));
  });
});
