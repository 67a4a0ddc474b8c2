import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDecodeGraph, buildTrainGraph, type Objective } from '../../../../src/policy/model/graphs.js';
import { initParams, paramSpecs } from '../../../../src/policy/model/params.js';
import { paramFeeds, trainFeeds, type ImagePatches } from '../../../../src/policy/model/feeds.js';
import { decoderMask, mropeTables } from '../../../../src/policy/model/rope.js';
import { initLora, loraShapes, matchesTarget, mergedWeight, mergeLoraParams, readAdapter, resolveLora } from '../../../../src/policy/model/lora.js';
import { loadPolicy, loadPolicyFolder, savePolicy } from '../../../../src/policy/model/folder.js';
import type { QwenVLPolicy } from '../../../../src/policy/model/policy.js';
import { aggregationWeights, sftObjective } from '../../../../src/grpo/objectives.js';
import { AdamW } from '../../../../src/policy/optim/adamw.js';
import type { RgbImage } from '../../../../modalities/types.js';
import { Rng } from '../../../../src/util/rng.js';
import { microConfig } from './micro.js';
import { parseTrainConfig } from '../../../../src/config/train.js';
import { runTraining } from '../../../../src/train/run.js';
import { latestCheckpoint } from '../../../../src/train/checkpoint.js';
import { Checkpoint } from '../../../../src/policy/weights/checkpoint.js';
import { toFloat32 } from '../../../../src/policy/weights/dtype.js';

const sumLogp: Objective = { key: 'sum', build: (g, t) => ({ loss: g.neg(g.reduceSum(g.mul(t.logp, t.mask), undefined, false)) }) };

function image(seed: number, w = 56, h = 56): RgbImage {
  const r = new Rng(seed);
  return { width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, () => r.int(0, 256)) };
}

function randomize(params: Map<string, Float32Array>, names: Iterable<string>, seed: number, scale: number): void {
  const r = new Rng(seed);
  for (const n of names) {
    const a = params.get(n)!;
    for (let i = 0; i < a.length; i++) a[i] = r.uniform(-scale, scale);
  }
}

/** Bitwise equality of two float arrays (fast: vitest's deep equality is slow on millions of elements). */
function sameArray(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('LoRA targets', () => {
  const cfg = microConfig({ modelType: 'qwen2_5_vl', tie: false });

  it('adapts the decoder projections by default and leaves the vision tower frozen', () => {
    const spec = resolveLora(cfg);
    expect(spec.modules).toHaveLength(cfg.text.numHiddenLayers * 7);
    expect(spec.modules.every((m) => m.name.startsWith('model.layers.'))).toBe(true);
    expect(spec.scale).toBe(16 / 8);
    const shapes = loraShapes(spec);
    expect(shapes.get('model.layers.0.self_attn.q_proj.lora_A.weight')).toEqual([8, 32]);
    expect(shapes.get('model.layers.1.mlp.down_proj.lora_B.weight')).toEqual([32, 8]);
    // Qwen2.5-VL's vision MLP also has gate/up/down_proj: adapted only with trainVision
    const withVision = resolveLora(cfg, { trainVision: true });
    expect(withVision.modules.filter((m) => m.vision).map((m) => m.name)).toContain('visual.blocks.0.mlp.gate_proj');
  });

  it('matches patterns like PEFT: exact name, .suffix, or a whole-name regular expression', () => {
    expect(matchesTarget('q_proj', 'model.layers.0.self_attn.q_proj')).toBe(true);
    expect(matchesTarget('proj', 'model.layers.0.self_attn.q_proj')).toBe(false);
    expect(matchesTarget('self_attn.q_proj', 'model.layers.3.self_attn.q_proj')).toBe(true);
    expect(matchesTarget('model\\.layers\\.1\\..*_proj', 'model.layers.1.mlp.up_proj')).toBe(true);
    expect(matchesTarget('model\\.layers\\.1\\..*_proj', 'model.layers.0.mlp.up_proj')).toBe(false);
    expect(matchesTarget('(unclosed', 'model.layers.0.mlp.up_proj')).toBe(false);
    const spec = resolveLora(cfg, { targets: ['model\\.layers\\.1\\..*_proj', 'lm_head'], rank: 2, alpha: 4 });
    expect(spec.modules.map((m) => m.name)).toEqual([...['q', 'k', 'v', 'o'].map((p) => `model.layers.1.self_attn.${p}_proj`), ...['gate', 'up', 'down'].map((p) => `model.layers.1.mlp.${p}_proj`), 'lm_head']);
  });

  it('a pattern that matches nothing is a clear error listing the module names', () => {
    expect(() => resolveLora(cfg, { targets: ['q_proj', 'qproj'] })).toThrow(/'qproj' matches no module.*the decoder has: .*self_attn\.q_proj.*mlp\.down_proj.*vision tower has: .*attn\.qkv/);
    expect(() => resolveLora(cfg, { targets: ['qkv'] })).toThrow(/only matches vision-tower modules, frozen unless train_vision/);
    expect(resolveLora(cfg, { targets: ['qkv'], trainVision: true }).modules).toHaveLength(cfg.vision.depth);
    expect(() => resolveLora(cfg, { targets: [] })).toThrow(/non-empty list/);
    expect(() => resolveLora(cfg, { targets: [''] })).toThrow(/non-empty list/);
    expect(() => resolveLora(cfg, { rank: 0 })).toThrow(/rank must be an integer/);
    expect(() => resolveLora(cfg, { rank: 2.5 })).toThrow(/rank must be an integer/);
    expect(() => resolveLora(cfg, { alpha: NaN })).toThrow(/alpha must be a positive/);
    expect(() => resolveLora(cfg, { alpha: -1 })).toThrow(/alpha must be a positive/);
  });

  it('arbitrary patterns (unicode, regex syntax, 1 MB) resolve or fail with a GlimpseError, never a crash (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('q_proj', '.*', '(', '[a-', 'lm_head', '\\')), { maxLength: 4 }), (targets) => {
      try {
        const spec = resolveLora(cfg, { targets });
        expect(spec.modules.length).toBeGreaterThan(0);
      } catch (e) {
        expect((e as Error).name).toBe('GlimpseError');
      }
    }), { numRuns: 200 });
    expect(() => resolveLora(cfg, { targets: ['x'.repeat(1 << 20)] })).toThrow(/is 1048576 characters long \(at most 1000\)/);
    expect(() => resolveLora(cfg, { targets: ['('.repeat(999)] })).toThrow(/matches no module/);
    expect(() => resolveLora(cfg, { targets: ['q_proj', '日本語_proj'] })).toThrow(/'日本語_proj' matches no module/);
  });

  it('initialises B to zero and A Kaiming-uniform in ±1/√in, reproducibly from the seed', () => {
    const spec = resolveLora(cfg, { rank: 4 });
    const a = initLora(spec, 3);
    const b = initLora(spec, 3);
    const c = initLora(spec, 4);
    const nA = 'model.layers.0.mlp.down_proj.lora_A.weight';
    expect(a.get(nA)).toEqual(b.get(nA));
    expect(a.get(nA)).not.toEqual(c.get(nA));
    const bound = 1 / Math.sqrt(cfg.text.intermediateSize);
    expect(Math.max(...a.get(nA)!.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...a.get(nA)!.map(Math.abs))).toBeGreaterThan(bound / 2);
    expect(a.get('model.layers.0.mlp.down_proj.lora_B.weight')!.every((v) => v === 0)).toBe(true);
  });

  it('mergedWeight equals W + s·B·A computed naively (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (out, inn, r, seed) => {
      const rng = new Rng(seed);
      const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
      const w = rand(out * inn);
      const A = rand(r * inn);
      const B = rand(out * r);
      const m = mergedWeight(w, A, B, { name: 'x', out, in: inn, vision: false }, r, 0.5);
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inn; i++) {
          let d = 0;
          for (let k = 0; k < r; k++) d += B[o * r + k]! * A[k * inn + i]!;
          expect(m[o * inn + i]!).toBeCloseTo(w[o * inn + i]! + 0.5 * d, 5);
        }
      }
    }), { numRuns: 50 });
  });
});

describe('LoRA in the graphs (micro config)', () => {
  for (const modelType of ['qwen2_vl', 'qwen2_5_vl'] as const) {
    it(`B = 0 gives the base logits; random adapters equal their merged weights (${modelType})`, async () => {
      const cfg = microConfig({ modelType, tie: false });
      const base = initParams(cfg, 2, 0.2);
      const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
      const spec = resolveLora(cfg, { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj', 'lm_head'] });
      for (const [k, v] of loraShapes(spec)) shapes.set(k, v);
      const withLora = new Map([...base, ...initLora(spec, 1)]);
      const S = 6;
      const D = cfg.text.hiddenSize;
      const rng = new Rng(9);
      const feeds = (): Record<string, ort.Tensor> => {
        const f: Record<string, ort.Tensor> = {
          inputs_embeds: new ort.Tensor('float32', Float32Array.from({ length: S * D }, () => rng.uniform(-1, 1)), [1, S, D]),
          attn_mask: new ort.Tensor('float32', decoderMask(1, S, 0), [1, 1, 1, S, S]),
        };
        const pos = new Int32Array(3 * S).map((_, i) => i % S);
        const t = mropeTables(cfg, pos, 1, S);
        f.cos = new ort.Tensor('float32', t.cos, [1, S, cfg.text.headDim]);
        f.sin = new ort.Tensor('float32', t.sin, [1, S, cfg.text.headDim]);
        for (let i = 0; i < cfg.text.numHiddenLayers; i++) {
          f[`past_key.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, cfg.text.numKeyValueHeads, 0, cfg.text.headDim]);
          f[`past_value.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, cfg.text.numKeyValueHeads, 0, cfg.text.headDim]);
        }
        return f;
      };
      const input = feeds();
      const plain = await ort.InferenceSession.create(buildDecodeGraph(cfg).toBytes());
      const adapted = await ort.InferenceSession.create(buildDecodeGraph(cfg, { lora: spec }).toBytes());
      expect(adapted.inputNames).toContain('model.layers.0.self_attn.q_proj.lora_A.weight');
      expect(adapted.inputNames).toContain('lm_head.lora_B.weight');
      const run = async (s: ort.InferenceSession, p: Map<string, Float32Array>) =>
        (await s.run({ ...input, ...paramFeeds(p, shapes, s.inputNames) })).logits!.data as Float32Array;
      const baseLogits = await run(plain, base);
      expect(maxAbsDiff(await run(adapted, withLora), baseLogits)).toBeLessThan(1e-6);
      // non-zero B: the adapted graph equals the base graph on merged weights, and differs from the base
      randomize(withLora, [...loraShapes(spec).keys()].filter((k) => k.includes('lora_B')), 5, 0.3);
      const adaptedLogits = await run(adapted, withLora);
      expect(maxAbsDiff(adaptedLogits, baseLogits)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(await run(plain, mergeLoraParams(withLora, spec)), adaptedLogits)).toBeLessThan(1e-4);
    });
  }

  it('the training graph gives gradients to the adapters only, vision adapters included with trainVision', async () => {
    const cfg = microConfig({ modelType: 'qwen2_vl' });
    const spec = resolveLora(cfg, { rank: 2, targets: ['q_proj', 'qkv', 'fc1'], trainVision: true });
    const trainable = new Set(loraShapes(spec).keys());
    const g = buildTrainGraph(cfg, { trainable, objective: sumLogp, images: true, lora: spec });
    const s = await ort.InferenceSession.create(g.toBytes());
    const grads = s.outputNames.filter((n) => n.startsWith('grad.')).map((n) => n.slice(5)).sort();
    expect(grads).toEqual([...trainable].sort());
    const params = new Map([...initParams(cfg, 1, 0.2), ...initLora(spec, 2)]);
    randomize(params, [...trainable].filter((k) => k.includes('lora_B')), 3, 0.2);
    const shapes = new Map<string, number[]>([...paramSpecs(cfg).map((p) => [p.name, p.shape] as [string, number[]]), ...loraShapes(spec)]);
    const r = new Rng(4);
    const img: ImagePatches = { grid: [1, 4, 4], pixelValues: Float32Array.from({ length: 16 * 3 * 2 * 14 * 14 }, () => r.uniform(-1, 1)) };
    const tf = trainFeeds(cfg, [{ ids: [5, 62, 60, 60, 60, 60, 63, 7, 9, 10], promptLength: 8, images: [img] }]);
    const out = await s.run({ ...tf.feeds, ...paramFeeds(params, shapes, s.inputNames) });
    for (const n of ['visual.blocks.0.attn.qkv.lora_A.weight', 'model.layers.1.self_attn.q_proj.lora_B.weight']) {
      expect((out[`grad.${n}`]!.data as Float32Array).some((v) => v !== 0)).toBe(true);
    }
  });
});

describe('QwenVLPolicy with LoRA (glimpse-tiny)', () => {
  let policy: QwenVLPolicy;
  let baseCopy: Map<string, Float32Array>;
  const prompt = { text: 'Say yes.', images: [image(1)] };
  beforeAll(async () => {
    policy = await loadPolicy('glimpse-tiny', { seed: 7, threads: 1 });
    baseCopy = new Map([...policy.params].map(([k, v]) => [k, Float32Array.from(v)]));
  });

  it('enabling LoRA keeps the model (B = 0) and makes only the adapters trainable', async () => {
    const before = await policy.generate([prompt], { n: 1, temperature: 0, maxNewTokens: 6 });
    const spec = policy.enableLora({ rank: 4, alpha: 8, seed: 1 });
    expect(policy.lora).toBe(spec);
    const names = [...policy.trainableParams().keys()];
    expect(names.length).toBe(spec.modules.length * 2);
    expect(names.every((n) => /\.lora_[AB]\.weight$/.test(n))).toBe(true);
    expect([...policy.gradients().keys()].sort()).toEqual([...names].sort());
    const after = await policy.generate([prompt], { n: 1, temperature: 0, maxNewTokens: 6 });
    expect(after[0]!.tokens).toEqual(before[0]!.tokens);
    for (let j = 0; j < after[0]!.logprobs.length; j++) expect(Math.abs(after[0]!.logprobs[j]! - before[0]!.logprobs[j]!)).toBeLessThan(1e-5);
    expect(() => policy.enableLora()).toThrow(/already enabled/);
  });

  it('AdamW steps on the adapters raise the target logprob; base weights stay untouched; sampler and trainer agree', async () => {
    const enc = await policy.encodePrompt(prompt);
    const target = policy.encodeCompletion('yes');
    const seqs = [{ ids: [...enc.ids, ...target], promptLength: enc.ids.length, images: enc.images }];
    const before = (await policy.logprobs(seqs))[0]!.reduce((a, b) => a + b, 0);
    const opt = new AdamW(policy.trainableParams(), { lr: 1e-2 });
    const obj = sftObjective();
    for (let step = 0; step < 4; step++) {
      policy.zeroGrad();
      await policy.accumulate(seqs, obj, { perToken: { token_weight: aggregationWeights([target.length], 'token-mean') } });
      opt.update(policy.gradients());
    }
    policy.zeroGrad();
    const after = (await policy.logprobs(seqs))[0]!.reduce((a, b) => a + b, 0);
    expect(after).toBeGreaterThan(before + 0.1);
    const changed = [...baseCopy].filter(([k, v]) => !sameArray(policy.params.get(k)!, v)).map(([k]) => k);
    expect(changed).toEqual([]);
    expect(policy.adapterParams().get('model.layers.0.mlp.up_proj.lora_B.weight')!.some((v) => v !== 0)).toBe(true);
    // decode graph (sampling) vs training graph, adapters on
    const [r] = await policy.generateEncoded([enc], { n: 1, maxNewTokens: 8, temperature: 0.9, seed: 2 });
    const lp = await policy.logprobs([{ ids: [...enc.ids, ...r!.tokens], promptLength: enc.ids.length, images: enc.images }], 0.9);
    expect(maxAbsDiff(lp[0]!, r!.logprobs)).toBeLessThan(1e-4);
  });

  it('saves merged weights by default and the PEFT adapter on request; both reload to the same logprobs', async () => {
    const enc = await policy.encodePrompt(prompt);
    const seqs = [{ ids: [...enc.ids, ...policy.encodeCompletion('yes no')], promptLength: enc.ids.length, images: enc.images }];
    const want = (await policy.logprobs(seqs))[0]!;
    const merged = mkdtempSync(join(tmpdir(), 'glimpse-lora-merged-'));
    await savePolicy(policy, merged);
    const m = await loadPolicyFolder(merged, { threads: 1 });
    expect(m.lora).toBeUndefined();
    expect(maxAbsDiff((await m.logprobs(seqs))[0]!, want)).toBeLessThan(1e-4);
    const adapter = mkdtempSync(join(tmpdir(), 'glimpse-lora-adapter-'));
    await savePolicy(policy, adapter, {}, { adapterOnly: true });
    const conf = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(conf).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    const fresh = await loadPolicy('glimpse-tiny', { seed: 7, threads: 1 });
    fresh.loadAdapter(adapter);
    expect(fresh.lora!.modules.map((x) => x.name)).toEqual(policy.lora!.modules.map((x) => x.name));
    expect(maxAbsDiff((await fresh.logprobs(seqs))[0]!, want)).toBeLessThan(1e-5);
    const ref = policy.frozenCopy();
    expect(ref.trainable.size).toBe(0);
    expect(maxAbsDiff((await ref.logprobs(seqs))[0]!, want)).toBeLessThan(1e-4);
    await Promise.all([m.release(), fresh.release(), ref.release()]);
  });

  it('mergeLora folds the adapters in: same logprobs (|Δ| ≤ 1e-4), no adapter tensors, full training back', async () => {
    const enc = await policy.encodePrompt(prompt);
    const seqs = [{ ids: [...enc.ids, ...policy.encodeCompletion('no')], promptLength: enc.ids.length, images: enc.images }];
    const want = (await policy.logprobs(seqs))[0]!;
    policy.mergeLora();
    expect(policy.lora).toBeUndefined();
    expect([...policy.params.keys()].some((k) => k.includes('lora_'))).toBe(false);
    expect(policy.trainable.size).toBe(paramSpecs(policy.cfg).length);
    expect(maxAbsDiff((await policy.logprobs(seqs))[0]!, want)).toBeLessThan(1e-4);
    expect(sameArray(policy.params.get('model.layers.0.self_attn.q_proj.weight')!, baseCopy.get('model.layers.0.self_attn.q_proj.weight')!)).toBe(false);
    expect(sameArray(policy.params.get('model.layers.0.input_layernorm.weight')!, baseCopy.get('model.layers.0.input_layernorm.weight')!)).toBe(true);
    await expect(savePolicy(policy, mkdtempSync(join(tmpdir(), 'glimpse-lora-none-')), {}, { adapterOnly: true })).rejects.toThrow(/no LoRA adapter/);
  });

  it('damaged adapter folders are clear errors', async () => {
    const cfg = policy.cfg;
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-lora-bad-'));
    expect(() => readAdapter(cfg, dir)).toThrow(/not a LoRA adapter folder/);
    const p = await loadPolicy('glimpse-tiny', { seed: 7, threads: 1 });
    p.enableLora({ rank: 2, targets: ['q_proj'] });
    await savePolicy(p, dir, {}, { adapterOnly: true });
    expect(readAdapter(cfg, dir).spec.modules).toHaveLength(cfg.text.numHiddenLayers);
    const conf = readFileSync(join(dir, 'adapter_config.json'), 'utf8');
    writeFileSync(join(dir, 'adapter_config.json'), conf.slice(0, conf.length / 2));
    expect(() => readAdapter(cfg, dir)).toThrow(/adapter_config\.json: not valid JSON/);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 3, lora_alpha: 8 }));
    expect(() => readAdapter(cfg, dir)).toThrow(/lora_A\.weight is \[2, \d+\], expected \[3, \d+\]/);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 'NaN' }));
    expect(() => readAdapter(cfg, dir)).toThrow(/r must be a positive integer/);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'IA3', r: 2 }));
    expect(() => readAdapter(cfg, dir)).toThrow(/not LORA/);
    writeFileSync(join(dir, 'adapter_model.safetensors'), new Uint8Array(5));
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2 }));
    expect(() => readAdapter(cfg, dir)).toThrow(/adapter_model\.safetensors/);
    await p.release();
  });
});

describe('glimpse train with lora.enabled', () => {
  it('trains adapters only (untargeted weights unchanged), checkpoints merged weights, and resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-lora-run-'));
    const cfg = (steps: number) => parseTrainConfig({
      out, steps, seed: 1, train_size: 4, test_size: 2, eval_samples: 2, micro_batch: 4, checkpoint_every: 1, eval_every: 0, threads: 1,
      sft: { steps: 1, batch_size: 2, warmup_steps: 0 }, rollout: { prompts_per_step: 1, group_size: 2, max_new_tokens: 4 },
      lora: { enabled: true, rank: 2, alpha: 4, targets: ['q_proj', 'v_proj'] },
    });
    const r = await runTraining(cfg(1), { quiet: true, log: () => {} });
    expect(r.interrupted).toBe(false);
    const latest = latestCheckpoint(out)!;
    const ck = Checkpoint.open(latest.dir);
    const names = ck.names();
    const start = await loadPolicy('glimpse-tiny', { seed: 1, threads: 1 });
    try {
      expect(names.some((n) => n.includes('lora_'))).toBe(false);
      expect(sameArray(toFloat32(ck.read('model.layers.0.mlp.up_proj.weight')), start.params.get('model.layers.0.mlp.up_proj.weight')!)).toBe(true);
      expect(sameArray(toFloat32(ck.read('model.layers.0.self_attn.q_proj.weight')), start.params.get('model.layers.0.self_attn.q_proj.weight')!)).toBe(false);
    } finally {
      ck.close();
      await start.release();
    }
    const r2 = await runTraining(cfg(2), { resume: true, quiet: true, log: () => {} });
    expect(r2.interrupted).toBe(false);
    expect(latestCheckpoint(out)!.state).toMatchObject({ phase: 'grpo', step: 2 });
  }, 300_000);
});
