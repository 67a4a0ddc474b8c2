import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, loadPolicyFolder, savePolicy } from '../../../../src/policy/model/folder.js';
import type { QwenVLPolicy } from '../../../../src/policy/model/policy.js';
import { grpoObjective, aggregationWeights } from '../../../../src/grpo/objectives.js';
import type { RgbImage } from '../../../../modalities/types.js';
import { Rng } from '../../../../src/util/rng.js';

function image(seed: number, w = 56, h = 84): RgbImage {
  const r = new Rng(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, () => r.int(0, 256)) };
}

describe('QwenVLPolicy (glimpse-tiny)', () => {
  let policy: QwenVLPolicy;
  beforeAll(async () => {
    policy = await loadPolicy('glimpse-tiny', { seed: 5, threads: 1 });
  });

  it('encodes the chat template with one <|image_pad|> per merged patch and a coordinate map', async () => {
    const enc = await policy.encodePrompt({ text: 'Find the cat.', images: [image(1)] });
    const pad = policy.cfg.tokens.imageTokenId;
    expect(enc.ids.filter((t) => t === pad)).toHaveLength((56 / 28) * (84 / 28));
    expect(enc.images[0]!.grid).toEqual([1, 6, 4]);
    expect(enc.maps[0]!.toJSON().input).toEqual([56, 84]);
  });

  it('samples reproducibly from a seed, with logprobs ≤ 0 for every token and greedy = argmax', async () => {
    const prompt = { text: 'Describe.', images: [image(2)] };
    const a = await policy.generate([prompt], { n: 3, maxNewTokens: 6, seed: 11 });
    const b = await policy.generate([prompt], { n: 3, maxNewTokens: 6, seed: 11 });
    expect(a.map((r) => r.tokens)).toEqual(b.map((r) => r.tokens));
    expect(a).toHaveLength(3);
    for (const r of a) {
      expect(r.tokens.length).toBeGreaterThan(0);
      expect(r.tokens.length).toBe(r.logprobs.length);
      for (const lp of r.logprobs) expect(lp).toBeLessThanOrEqual(0);
    }
    const g1 = await policy.generate([prompt], { n: 2, temperature: 0, maxNewTokens: 5, seed: 1 });
    const g2 = await policy.generate([prompt], { n: 1, temperature: 0, maxNewTokens: 5, seed: 99 });
    expect(g1[0]!.tokens).toEqual(g1[1]!.tokens);
    expect(g1[0]!.tokens).toEqual(g2[0]!.tokens);
  });

  it('training-graph logprobs of sampled tokens equal the sampler\'s (|Δ| ≤ 1e-4)', async () => {
    const enc = await policy.encodePrompt({ text: 'Where?', images: [image(3)] });
    const [r] = await policy.generateEncoded([enc], { n: 1, maxNewTokens: 8, temperature: 0.8, seed: 4 });
    const lp = await policy.logprobs([{ ids: [...enc.ids, ...r!.tokens], promptLength: enc.ids.length, images: enc.images }], 0.8);
    for (let j = 0; j < r!.tokens.length; j++) expect(Math.abs(lp[0]![j]! - r!.logprobs[j]!)).toBeLessThan(1e-4);
  });

  it('accumulates gradients for every trainable parameter, and a step on them raises the advantaged logprob', async () => {
    const enc = await policy.encodePrompt({ text: 'Go.', images: [] });
    const target = policy.encodeCompletion('yes');
    const seqs = [{ ids: [...enc.ids, ...target], promptLength: enc.ids.length, images: [] }];
    const before = (await policy.logprobs(seqs))[0]!;
    const obj = grpoObjective({ clipLow: 0.2, clipHigh: 0.28, ratioLevel: 'token', klCoef: 0, klEstimator: 'k3' });
    policy.zeroGrad();
    await policy.accumulate(seqs, obj, { perToken: { old_logp: [before], token_weight: aggregationWeights([target.length], 'token-mean') }, perSeq: { advantages: Float32Array.of(1) } });
    const grads = policy.gradients();
    const nonzero = [...grads.values()].filter((g) => g.some((v) => v !== 0)).length;
    expect(nonzero).toBeGreaterThan(10);
    // plain gradient descent on the loss (= −A·ratio): logp of the target must rise
    for (const [n, g] of grads) {
      const p = policy.params.get(n)!;
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - 0.05 * g[i]!;
    }
    policy.zeroGrad();
    const after = (await policy.logprobs(seqs))[0]!;
    expect(after.reduce((a, b) => a + b, 0)).toBeGreaterThan(before.reduce((a, b) => a + b, 0));
  });

  it('rejects bad sampling arguments and out-of-vocabulary tokens with clear errors', async () => {
    await expect(policy.generate([{ text: 'x' }], { n: 0 })).rejects.toThrow(/n must be/);
    await expect(policy.generate([{ text: 'x' }], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens/);
    await expect(policy.generate([{ text: 'x' }], { temperature: NaN })).rejects.toThrow(/temperature/);
    await expect(policy.logprobs([{ ids: [1, 2, 99999], promptLength: 1, images: [] }])).rejects.toThrow(/outside the vocabulary/);
  });

  it('saves and reloads as a Hugging Face folder with identical outputs; a damaged folder is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-policy-'));
    await savePolicy(policy, dir);
    const again = await loadPolicyFolder(dir, { threads: 1 });
    const prompt = { text: 'Same?', images: [image(4)] };
    const a = await policy.generate([prompt], { n: 1, temperature: 0, maxNewTokens: 4 });
    const b = await again.generate([prompt], { n: 1, temperature: 0, maxNewTokens: 4 });
    expect(b[0]!.tokens).toEqual(a[0]!.tokens);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "qwen2_vl", "hidden_size": 7}');
    await expect(loadPolicyFolder(dir)).rejects.toThrow(/config|weights/);
    await expect(loadPolicy('/no/such/model')).rejects.toThrow(/not a model folder.*presets: glimpse-tiny/);
  });
});
