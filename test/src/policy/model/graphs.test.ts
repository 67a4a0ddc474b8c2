import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildDecodeGraph, buildTrainGraph, buildVisionGraph, type Objective } from '../../../../src/policy/model/graphs.js';
import { initParams, paramSpecs } from '../../../../src/policy/model/params.js';
import { trainFeeds, visionFeeds, paramFeeds, type ImagePatches } from '../../../../src/policy/model/feeds.js';
import { decoderMask, mropeTables } from '../../../../src/policy/model/rope.js';
import { getRopeIndex, ropeOptionsFromConfig } from '../../../../src/policy/model/rope-index.js';
import { Rng } from '../../../../src/util/rng.js';
import { microConfig } from './micro.js';

const sumLogp: Objective = {
  key: 'sum',
  build: (g, t) => ({ loss: g.neg(g.reduceSum(g.mul(t.logp, t.mask), undefined, false)) }),
};

function image(rng: Rng, grid: [number, number, number]): ImagePatches {
  const n = grid[0] * grid[1] * grid[2] * 3 * 2 * 14 * 14;
  return { pixelValues: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), grid };
}

describe('Qwen2-VL graphs', () => {
  for (const modelType of ['qwen2_vl', 'qwen2_5_vl'] as const) {
    it(`decode-graph logprobs equal training-graph logprobs (${modelType})`, async () => {
      const cfg = microConfig({ modelType });
      const params = initParams(cfg, 3, 0.2);
      const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
      const rng = new Rng(1);
      const img = image(rng, [1, 4, 4]); // 16 patches -> 4 image tokens
      const prompt = [5, 6, 62, 60, 60, 60, 60, 63, 7, 8];
      const completion = [9, 10, 11, 12, 13];
      const ids = [...prompt, ...completion];
      const temp = 0.7;
      // training graph
      const train = buildTrainGraph(cfg, { trainable: new Set(), objective: sumLogp, images: true });
      const ts = await ort.InferenceSession.create(train.toBytes());
      const tf = trainFeeds(cfg, [{ ids, promptLength: prompt.length, images: [img] }], 1 / temp);
      const out = await ts.run({ ...tf.feeds, ...paramFeeds(params, shapes, ts.inputNames) });
      const trainLogp = out.logp!.data as Float32Array;
      // vision + decode graphs
      const vs = await ort.InferenceSession.create(buildVisionGraph(cfg).toBytes());
      const feats = (await vs.run({ ...visionFeeds(cfg, [img]), ...paramFeeds(params, shapes, vs.inputNames) })).image_features!.data as Float32Array;
      const ds = await ort.InferenceSession.create(buildDecodeGraph(cfg).toBytes());
      const D = cfg.text.hiddenSize;
      const emb = params.get('model.embed_tokens.weight')!;
      const rope = getRopeIndex({ inputIds: [prompt], imageGridThw: [img.grid] }, ropeOptionsFromConfig(cfg));
      const kvShape = [1, cfg.text.numKeyValueHeads, 0, cfg.text.headDim];
      let past: Record<string, ort.Tensor> = {};
      for (let i = 0; i < cfg.text.numHiddenLayers; i++) {
        past[`past_key.${i}`] = new ort.Tensor('float32', new Float32Array(0), kvShape);
        past[`past_value.${i}`] = new ort.Tensor('float32', new Float32Array(0), kvShape);
      }
      const decodeLogp: number[] = [];
      let k = 0;
      const embedRow = (tok: number, into: Float32Array, at: number) => {
        if (tok === 60) into.set(feats.subarray(k * D, ++k * D), at);
        else into.set(emb.subarray(tok * D, (tok + 1) * D), at);
      };
      const run = async (tokens: number[], positions: Int32Array, pastLen: number) => {
        const S = tokens.length;
        const e = new Float32Array(S * D);
        tokens.forEach((t, i) => embedRow(t, e, i * D));
        const { cos, sin } = mropeTables(cfg, positions, 1, S);
        const r = await ds.run({
          inputs_embeds: new ort.Tensor('float32', e, [1, S, D]),
          cos: new ort.Tensor('float32', cos, [1, S, 8]),
          sin: new ort.Tensor('float32', sin, [1, S, 8]),
          attn_mask: new ort.Tensor('float32', decoderMask(1, S, pastLen), [1, 1, 1, S, pastLen + S]),
          ...past,
          ...paramFeeds(params, shapes, ds.inputNames),
        });
        past = {};
        for (let i = 0; i < cfg.text.numHiddenLayers; i++) {
          past[`past_key.${i}`] = r[`present_key.${i}`]!;
          past[`past_value.${i}`] = r[`present_value.${i}`]!;
        }
        return r.logits!.data as Float32Array;
      };
      const logpOf = (logits: Float32Array, tok: number) => {
        let m = -Infinity;
        for (const v of logits) m = Math.max(m, v / temp);
        let s = 0;
        for (const v of logits) s += Math.exp(v / temp - m);
        return logits[tok]! / temp - m - Math.log(s);
      };
      let logits = await run(prompt, rope.positionIds, 0);
      for (let j = 0; j < completion.length; j++) {
        decodeLogp.push(logpOf(logits, completion[j]!));
        if (j + 1 < completion.length) {
          const pos = prompt.length + rope.deltas[0]! + j;
          logits = await run([completion[j]!], Int32Array.of(pos, pos, pos), prompt.length + j);
        }
      }
      for (let j = 0; j < completion.length; j++) {
        const tr = trainLogp[prompt.length - 1 + j]!;
        expect(Math.abs(tr - decodeLogp[j]!)).toBeLessThan(1e-4);
      }
      // the loss is −Σ logp over completion targets
      const expected = -decodeLogp.reduce((a, b) => a + b, 0);
      expect(Math.abs((out.loss!.data as Float32Array)[0]! - expected)).toBeLessThan(1e-3);
    });
  }
});

describe('training feeds', () => {
  it('treats vision special tokens sampled in a completion as text, not image slots', async () => {
    const cfg = microConfig();
    const rng = new Rng(2);
    const img = image(rng, [1, 2, 2]); // 4 patches -> 1 image token
    const prompt = [5, 62, 60, 63, 7];
    const completion = [60, 62, 60, 9];
    const tf = trainFeeds(cfg, [{ ids: [...prompt, ...completion], promptLength: prompt.length, images: [img] }]);
    const isImage = tf.feeds.is_image!.data as Uint8Array;
    expect([...isImage]).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0]);
    // the completion's ids still reach the embedding lookup unchanged
    expect(Array.from(tf.feeds.input_ids!.data as BigInt64Array, Number).slice(prompt.length)).toEqual(completion);
    // a prompt whose image tokens do not match its images is still an error
    expect(() => trainFeeds(cfg, [{ ids: [5, 62, 60, 60, 63], promptLength: 5, images: [img] }])).toThrow(/image|grid/);
  });
});
