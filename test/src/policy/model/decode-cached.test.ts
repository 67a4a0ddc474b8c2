import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import fc from 'fast-check';
import { buildCachedDecodeGraph, buildDecodeGraph } from '../../../../src/policy/model/graphs.js';
import { initParams, paramSpecs } from '../../../../src/policy/model/params.js';
import { paramFeeds } from '../../../../src/policy/model/feeds.js';
import { KvCache, prefillMask } from '../../../../src/policy/model/kv-cache.js';
import { decoderMask, mropeTables } from '../../../../src/policy/model/rope.js';
import { loadPolicy } from '../../../../src/policy/model/folder.js';
import type { QwenVLPolicy } from '../../../../src/policy/model/policy.js';
import type { RgbImage } from '../../../../modalities/types.js';
import { Rng } from '../../../../src/util/rng.js';
import { microConfig } from './micro.js';

type Feeds = Record<string, ort.Tensor>;

/** Reference: the concat decode graph with its returned present cache, batch rows fed one by one. */
async function referenceLogits(cfg: ReturnType<typeof microConfig>, params: Map<string, Float32Array>, rows: number[][], prompt: number[]): Promise<Float32Array[][]> {
  const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
  const ds = await ort.InferenceSession.create(buildDecodeGraph(cfg).toBytes());
  const t = cfg.text;
  const D = t.hiddenSize;
  const emb = params.get('model.embed_tokens.weight')!;
  const out: Float32Array[][] = [];
  for (const row of rows) {
    let past: Feeds = {};
    for (let i = 0; i < t.numHiddenLayers; i++) {
      past[`past_key.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, t.numKeyValueHeads, 0, t.headDim]);
      past[`past_value.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, t.numKeyValueHeads, 0, t.headDim]);
    }
    const steps: Float32Array[] = [];
    const ids = [...prompt, ...row];
    for (let at = 0; at < ids.length; ) {
      const toks = at === 0 ? prompt : [ids[at]!];
      const S = toks.length;
      const e = new Float32Array(S * D);
      toks.forEach((tok, i) => e.set(emb.subarray(tok * D, (tok + 1) * D), i * D));
      const pos = Int32Array.from({ length: 3 * S }, (_, k) => at + (k % S));
      const { cos, sin } = mropeTables(cfg, pos, 1, S);
      const r = await ds.run({
        inputs_embeds: new ort.Tensor('float32', e, [1, S, D]),
        cos: new ort.Tensor('float32', cos, [1, S, t.headDim]),
        sin: new ort.Tensor('float32', sin, [1, S, t.headDim]),
        attn_mask: new ort.Tensor('float32', decoderMask(1, S, at), [1, 1, 1, S, at + S]),
        ...past,
        ...paramFeeds(params, shapes, ds.inputNames),
      });
      past = {};
      for (let i = 0; i < t.numHiddenLayers; i++) {
        past[`past_key.${i}`] = r[`present_key.${i}`]!;
        past[`past_value.${i}`] = r[`present_value.${i}`]!;
      }
      steps.push(Float32Array.from(r.logits!.data as Float32Array));
      at += S;
    }
    out.push(steps);
  }
  await ds.release();
  return out;
}

/** The cached graph driven as `generate` drives it: prefill (batch 1), then all rows at once through a growing KvCache. */
async function cachedLogits(cfg: ReturnType<typeof microConfig>, params: Map<string, Float32Array>, rows: number[][], prompt: number[], bake: boolean, initialCap: number): Promise<Float32Array[][]> {
  const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
  const ds = await ort.InferenceSession.create(buildCachedDecodeGraph(cfg, bake ? { weights: params } : {}).toBytes());
  const pf = bake ? {} : paramFeeds(params, shapes, ds.inputNames);
  const t = cfg.text;
  const D = t.hiddenSize;
  const hd = t.headDim;
  const n = rows.length;
  const P = prompt.length;
  const steps = rows[0]!.length;
  const emb = params.get('model.embed_tokens.weight')!;
  const cache = new KvCache(t.numHiddenLayers, n, t.numKeyValueHeads, initialCap, hd, P + steps);
  const e0 = new Float32Array(P * D);
  prompt.forEach((tok, i) => e0.set(emb.subarray(tok * D, (tok + 1) * D), i * D));
  const pos0 = Int32Array.from({ length: 3 * P }, (_, k) => k % P);
  const t0 = mropeTables(cfg, pos0, 1, P);
  const dummy = new ort.Tensor('float32', new Float32Array(t.numKeyValueHeads * hd), [1, t.numKeyValueHeads, 1, hd]);
  const feeds: Feeds = {
    inputs_embeds: new ort.Tensor('float32', e0, [1, P, D]),
    cos: new ort.Tensor('float32', t0.cos, [1, P, hd]),
    sin: new ort.Tensor('float32', t0.sin, [1, P, hd]),
    attn_mask: new ort.Tensor('float32', prefillMask(P), [1, 1, 1, P, 1 + P]),
    ...pf,
  };
  for (let i = 0; i < t.numHiddenLayers; i++) feeds[`cache_key.${i}`] = feeds[`cache_value.${i}`] = dummy;
  let r = await ds.run(feeds);
  cache.append(r);
  const out: Float32Array[][] = rows.map(() => [Float32Array.from(r.logits!.data as Float32Array)]);
  for (let j = 0; j < steps; j++) {
    const e = new Float32Array(n * D);
    rows.forEach((row, b) => e.set(emb.subarray(row[j]! * D, (row[j]! + 1) * D), b * D));
    const { cos, sin } = mropeTables(cfg, new Int32Array(3 * n).fill(P + j), n, 1);
    r = await ds.run({
      inputs_embeds: new ort.Tensor('float32', e, [n, 1, D]),
      cos: new ort.Tensor('float32', cos, [n, 1, hd]),
      sin: new ort.Tensor('float32', sin, [n, 1, hd]),
      ...cache.feeds(),
      ...pf,
    });
    cache.append(r);
    const V = t.vocabSize;
    const l = r.logits!.data as Float32Array;
    rows.forEach((_, b) => out[b]!.push(Float32Array.from(l.subarray(b * V, (b + 1) * V))));
  }
  expect(cache.length).toBe(P + steps);
  await ds.release();
  return out;
}

describe('cached decode graph (external KV cache)', () => {
  const cfg = microConfig();
  const params = initParams(cfg, 7, 0.3);
  const prompt = [5, 6, 7, 8, 9];
  const rows = [[10, 11, 12, 13, 14, 15, 16], [20, 21, 22, 23, 24, 25, 26], [59, 3, 3, 3, 40, 41, 42]];

  it('gives the reference decode graph\'s logits at every step, for every row, while the cache grows', async () => {
    const ref = await referenceLogits(cfg, params, rows, prompt);
    for (const bake of [false, true]) {
      const got = await cachedLogits(cfg, params, rows, prompt, bake, prompt.length + 1); // grows twice
      for (let b = 0; b < rows.length; b++) {
        expect(got[b]).toHaveLength(ref[b]!.length);
        for (let s = 0; s < ref[b]!.length; s++) {
          const a = got[b]![s]!;
          const e = ref[b]![s]!;
          let worst = 0;
          for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
          expect(worst, `bake=${bake} row ${b} step ${s}`).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('baking weights that do not fit the config is a clear error', () => {
    const bad = new Map(params);
    bad.set('model.norm.weight', new Float32Array(3));
    expect(() => buildCachedDecodeGraph(cfg, { weights: bad })).toThrow(/model\.norm\.weight.*3 values/);
    const missing = new Map(params);
    missing.delete('model.layers.0.mlp.up_proj.weight');
    expect(() => buildCachedDecodeGraph(cfg, { weights: missing })).toThrow(/up_proj.*missing/);
  });
});

describe('KvCache', () => {
  const out = (rows: number, seq: number, fill: (i: number) => number, layers = 1, kv = 2, hd = 3): Feeds => {
    const r: Feeds = {};
    for (let l = 0; l < layers; l++) {
      for (const k of ['key', 'value']) r[`new_${k}.${l}`] = new ort.Tensor('float32', Float32Array.from({ length: rows * kv * seq * hd }, (_, i) => fill(i)), [rows, kv, seq, hd]);
    }
    return r;
  };

  it('replicates a one-row block, appends per-row steps at the next slot, and unmasks exactly the filled slots', () => {
    const c = new KvCache(1, 2, 2, 4, 3, 8);
    c.append(out(1, 2, (i) => i + 1)); // prompt of 2 positions, replicated to both rows
    c.append(out(2, 1, (i) => 100 + i));
    expect(c.length).toBe(3);
    const f = c.feeds();
    const k = f['cache_key.0']!.data as Float32Array;
    expect(f['cache_key.0']!.dims).toEqual([2, 2, 4, 3]);
    // row 1, head 0: slots 0-1 = the prompt's head-0 values, slot 2 = the step's row-1 head-0 values
    const at = (b: number, h: number, slot: number) => Array.from(k.subarray(((b * 2 + h) * 4 + slot) * 3, ((b * 2 + h) * 4 + slot + 1) * 3));
    expect(at(1, 0, 0)).toEqual([1, 2, 3]);
    expect(at(1, 0, 1)).toEqual([4, 5, 6]);
    expect(at(1, 1, 0)).toEqual([7, 8, 9]);
    expect(at(1, 0, 2)).toEqual([106, 107, 108]);
    expect(at(0, 1, 2)).toEqual([103, 104, 105]);
    const mask = Array.from(f.attn_mask!.data as Float32Array);
    expect(mask.map((v) => (v === 0 ? 1 : 0))).toEqual([1, 1, 1, 0, 1, 1, 1, 1, 0, 1]);
    // the same tensor objects until the cache grows
    expect(c.feeds()).toBe(f);
    c.append(out(2, 1, () => 7));
    c.append(out(2, 1, () => 8)); // slot 4: grows to 8
    expect(c.cap).toBe(8);
    const g = c.feeds();
    expect(g).not.toBe(f);
    const k2 = g['cache_key.0']!.data as Float32Array;
    expect(Array.from(k2.subarray(((1 * 2 + 0) * 8 + 2) * 3, ((1 * 2 + 0) * 8 + 2) * 3 + 3))).toEqual([106, 107, 108]);
    expect(Array.from(g.attn_mask!.data as Float32Array).slice(0, 9).map((v) => (v === 0 ? 1 : 0))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 1]);
  });

  it('property: after any sequence of appends every filled slot holds what was appended there', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), (cap0, blocks, batch) => {
      const total = blocks.reduce((a, b) => a + b, 0);
      const c = new KvCache(2, batch, 1, Math.min(cap0, total), 2, total);
      let pos = 0;
      for (const seq of blocks) {
        const base = pos;
        // value = 1000·row + 10·position + element, so every slot's content is predictable
        c.append(out(batch, seq, (i) => 1000 * Math.floor(i / (seq * 2)) + 10 * (base + Math.floor((i % (seq * 2)) / 2)) + (i % 2), 2, 1, 2));
        pos += seq;
      }
      const v = c.feeds()['cache_value.1']!.data as Float32Array;
      for (let b = 0; b < batch; b++) for (let s = 0; s < total; s++) for (let e = 0; e < 2; e++) if (v[(b * c.cap + s) * 2 + e] !== 1000 * b + 10 * s + e) return false;
      return c.length === total;
    }));
  });

  it('rejects absurd capacities, foreign outputs and overflow with clear errors', () => {
    expect(() => new KvCache(1, 1, 1, 0, 4)).toThrow(/capacity/);
    expect(() => new KvCache(1, 1, 1, 4, 4, 2)).toThrow(/capacity/);
    expect(() => new KvCache(1, 1, 1, Number.NaN, 4)).toThrow(/capacity/);
    const c = new KvCache(1, 2, 2, 2, 3, 3);
    expect(() => c.append({})).toThrow(/new_key\.0/);
    expect(() => c.append(out(3, 1, () => 0))).toThrow(/batch of 2/);
    c.append(out(1, 3, () => 0));
    expect(() => c.append(out(2, 1, () => 0))).toThrow(/beyond the limit/);
  });

  it('prefill mask: dummy slot masked, causal over the prompt', () => {
    const m = Array.from(prefillMask(3)).map((v) => (v === 0 ? 1 : 0));
    expect(m).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1]);
  });
});

function image(seed: number, w = 56, h = 56): RgbImage {
  const r = new Rng(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, () => r.int(0, 256)) };
}

describe('QwenVLPolicy.generate on the cached graph (glimpse-tiny)', () => {
  let policy: QwenVLPolicy;
  beforeAll(async () => {
    policy = await loadPolicy('glimpse-tiny', { seed: 9, threads: 1 });
  });

  const agree = async (p: QwenVLPolicy, seed: number) => {
    const enc = await p.encodePrompt({ text: 'Look.', images: [image(seed)] });
    const rs = await p.generateEncoded([enc], { n: 4, maxNewTokens: 24, temperature: 0.9, seed });
    const lp = await p.logprobs(rs.map((r) => ({ ids: [...enc.ids, ...r.tokens], promptLength: enc.ids.length, images: enc.images })), 0.9);
    let worst = 0;
    rs.forEach((r, b) => r.logprobs.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - lp[b]![j]!)))));
    return { rs, worst };
  };

  it('every sample of a batch has the training graph\'s logprobs (|Δ| ≤ 1e-4)', async () => {
    const { rs, worst } = await agree(policy, 1);
    expect(rs).toHaveLength(4);
    expect(new Set(rs.map((r) => r.tokens.join(','))).size).toBeGreaterThan(1);
    expect(worst).toBeLessThan(1e-4);
  });

  it('samples with the weights as they are now: in-place updates and LoRA adapters are picked up', async () => {
    const before = await policy.generate([{ text: 'Same?' }], { n: 1, temperature: 0, maxNewTokens: 12 });
    // an optimiser-like in-place update of a decoder weight
    const w = policy.params.get('model.layers.1.mlp.down_proj.weight')!;
    const saved = Float32Array.from(w);
    for (let i = 0; i < w.length; i++) w[i] = w[i]! + 0.05 * Math.sin(i);
    expect((await agree(policy, 2)).worst).toBeLessThan(1e-4);
    const changed = await policy.generate([{ text: 'Same?' }], { n: 1, temperature: 0, maxNewTokens: 12 });
    w.set(saved);
    const back = await policy.generate([{ text: 'Same?' }], { n: 1, temperature: 0, maxNewTokens: 12 });
    expect(back[0]!.tokens).toEqual(before[0]!.tokens);
    expect(changed[0]!.logprobs).not.toEqual(before[0]!.logprobs);
    // adapters with non-zero B: sampling sees the adapted model
    const copy = policy.frozenCopy();
    copy.enableLora({ rank: 2, targets: ['q_proj', 'down_proj'], seed: 3 });
    const zeroB = await copy.generate([{ text: 'Same?' }], { n: 1, temperature: 0, maxNewTokens: 12 });
    expect(zeroB[0]!.logprobs).toEqual(before[0]!.logprobs); // B = 0: the base model
    for (const [k, v] of copy.adapterParams()) if (k.includes('lora_B')) for (let i = 0; i < v.length; i++) v[i] = 0.2 * Math.cos(i + 1);
    expect((await agree(copy, 3)).worst).toBeLessThan(1e-4);
    await copy.release();
  });

  it('concurrent calls across a weight change each sample with the weights they started with', async () => {
    const enc = await policy.encodePrompt({ text: 'Both?', images: [] });
    const o = { n: 2, temperature: 0.7, maxNewTokens: 10, seed: 6 };
    const w = policy.params.get('model.layers.0.self_attn.o_proj.weight')!;
    const saved = Float32Array.from(w);
    const a = policy.generateEncoded([enc], o); // holds the session of the current weights
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 1.5;
    const b = policy.generateEncoded([enc], o); // builds a new one; the old stays alive for `a`
    const [ra, rb] = await Promise.all([a, b]);
    const again = await policy.generateEncoded([enc], o);
    expect(rb.map((r) => r.logprobs)).toEqual(again.map((r) => r.logprobs));
    w.set(saved);
    const old = await policy.generateEncoded([enc], o);
    expect(ra.map((r) => r.logprobs)).toEqual(old.map((r) => r.logprobs));
    expect(ra.map((r) => r.logprobs)).not.toEqual(rb.map((r) => r.logprobs));
  });
});
