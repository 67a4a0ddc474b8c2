import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, decayExceptBiasAndNorm } from '../../../../src/policy/optim/index.js';
import { readSafetensors, writeSafetensors } from '../../../../src/policy/weights/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-adamw-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function closeTo(got: ArrayLike<number>, want: number[], rel = 2e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i]!)));
}

describe('AdamW', () => {
  it('first step in closed form: p·(1−lr·λ) − lr·g/(|g|+ε)', () => {
    const p = new Float32Array([0.5, -1, 3]);
    const opt = new AdamW({ p }, { lr: 0.1, weightDecay: 0.5, eps: 1e-8 });
    const g = [2, -0.25, 0];
    opt.update({ p: new Float32Array(g) });
    const want = [0.5, -1, 3].map((x, i) => x * (1 - 0.1 * 0.5) - (0.1 * g[i]!) / (Math.abs(g[i]!) + 1e-8));
    closeTo(p, want, 1e-7);
    // m = (1−β1) g, v = (1−β2) g²
    closeTo(opt.moments('p').m, g.map((x) => 0.1 * x), 1e-7);
    closeTo(opt.moments('p').v, g.map((x) => 0.001 * x * x), 1e-7);
    expect(opt.step).toBe(1);
  });

  it('matches torch.optim.AdamW over 4 steps with per-step lr and a no-decay group', () => {
    // Expected values printed by PyTorch 1.13 (torch.optim.AdamW, betas (0.9, 0.95), eps 1e-8,
    // weight_decay 0.1 on p and 0 on q, lr set per step to 0.01, 0.005, 0.0025, 0.001).
    const p = new Float32Array([0.5, -1.0, 2.0, 0.0, 1e-3]);
    const q = new Float32Array([0.1, 0.2, 0.3, -0.4]);
    const opt = new AdamW(
      new Map([
        ['p', p],
        ['q', q],
      ]),
      { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decay: (n) => n !== 'q' },
    );
    const lrs = [0.01, 0.005, 0.0025, 0.001];
    const wantP = [
      [0.4895000159740448, -0.9890000224113464, 1.9880000352859497, 0.0, -0.009000999853014946],
      [0.4844653308391571, -0.9835054874420166, 1.9872691631317139, 0.0, -0.013692963868379593],
      [0.481982946395874, -0.9807596206665039, 1.9859329462051392, 0.0, -0.015908975154161453],
      [0.4809938669204712, -0.9796615242958069, 1.985787034034729, 0.0, -0.016750624403357506],
    ];
    const wantQ = [
      [0.09000000357627869, 0.21000000834465027, 0.30000001192092896, -0.4099990129470825],
      [0.08500000089406967, 0.2150000035762787, 0.2963252067565918, -0.41499850153923035],
      [0.08250000327825546, 0.2175000011920929, 0.2942943572998047, -0.41749826073646545],
      [0.08150000125169754, 0.21850000321865082, 0.29344555735588074, -0.418498158454895],
    ];
    for (let t = 0; t < 4; t++) {
      opt.update(
        {
          p: new Float32Array([0.1 * (t + 1), -0.2, 0.05 * (-1) ** t, 0.0, 3.0 / (t + 1)]),
          q: new Float32Array([1.0, -1.0, 0.5 * t, 1e-4]),
        },
        lrs[t],
      );
      closeTo(p, wantP[t]!);
      closeTo(q, wantQ[t]!);
    }
    closeTo(opt.moments('p').m, [0.09049000591039658, -0.06877999752759933, -0.0009049999061971903, 0.0, 0.5051999688148499]);
    closeTo(opt.moments('p').v, [0.014508688822388649, 0.007419750560075045, 0.0004637344100046903, 0.0, 0.5629749894142151]);
  });

  it('a constant gradient moves every weight by about lr per step (bias correction)', () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(0.01), max: 100, noNaN: true }), fc.integer({ min: 1, max: 30 }), (g, steps) => {
        const p = new Float32Array([0]);
        const opt = new AdamW({ p }, { lr: 1e-3 });
        for (let i = 0; i < steps; i++) opt.update({ p: new Float32Array([g]) });
        expect(p[0]!).toBeCloseTo(-1e-3 * steps, 6);
      }),
      { numRuns: 40 },
    );
  });

  it('resume from saved state gives bit-identical next steps', async () => {
    const n = 257;
    const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const gradAt = (t: number) => ({ w: Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.37 + t) * (1 + t)), b: Float32Array.from({ length: 3 }, (_, i) => i - t) });
    const opts = { lr: 3e-3, weightDecay: 0.01, beta2: 0.98 };
    // uninterrupted run of 6 steps
    const a = { w: init.slice(), b: new Float32Array(3) };
    const optA = new AdamW(a, opts);
    for (let t = 0; t < 6; t++) optA.update(gradAt(t));
    // 3 steps, save params + state, restore into fresh objects, 3 more steps
    const b = { w: init.slice(), b: new Float32Array(3) };
    const optB = new AdamW(b, opts);
    for (let t = 0; t < 3; t++) optB.update(gradAt(t));
    const statePath = join(dir, 'optimizer.safetensors');
    const weightsPath = join(dir, 'weights.safetensors');
    await optB.save(statePath);
    await writeSafetensors(weightsPath, { w: { dtype: 'F32', shape: [n], data: b.w }, b: { dtype: 'F32', shape: [3], data: b.b } });
    const w = readSafetensors(weightsPath).tensors;
    const c = { w: w.get('w')!.data as Float32Array, b: w.get('b')!.data as Float32Array };
    const optC = new AdamW(c, opts);
    optC.load(statePath);
    expect(optC.step).toBe(3);
    for (let t = 3; t < 6; t++) optC.update(gradAt(t));
    expect(new Uint8Array(c.w.buffer)).toEqual(new Uint8Array(a.w.buffer));
    expect(new Uint8Array(c.b.buffer)).toEqual(new Uint8Array(a.b.buffer));
    expect(new Uint8Array(optC.moments('w').v.buffer)).toEqual(new Uint8Array(optA.moments('w').v.buffer));
  });

  it('a state that does not match the parameters is a clear error listing the tensors', async () => {
    const optA = new AdamW({ w: new Float32Array(4), x: new Float32Array(2) }, { lr: 1 });
    optA.update({ w: new Float32Array(4).fill(1), x: new Float32Array(2) });
    const path = join(dir, 'state-a.safetensors');
    await optA.save(path);
    const optB = new AdamW({ w: new Float32Array(5), y: new Float32Array(2) }, { lr: 1 });
    expect(() => optB.load(path)).toThrow(/missing: y.exp_avg, y.exp_avg_sq; unexpected: x.exp_avg, x.exp_avg_sq; wrong: w.exp_avg \(F32\[4\], expected F32\[5\]\)/);
    const { tensors } = readSafetensors(path);
    expect(() => optA.loadStateTensors(tensors, { optimizer: 'sgd', step: '1' })).toThrow(/not an AdamW state/);
    expect(() => optA.loadStateTensors(tensors, { optimizer: 'adamw', step: '-1' })).toThrow(/step/);
    expect(() => optA.loadStateTensors(tensors, { optimizer: 'adamw', step: 'NaN' })).toThrow(/step/);
    expect(() => optA.load(join(dir, 'missing.safetensors'))).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('rejects mismatched gradients before changing anything, and bad hyper-parameters', () => {
    const w = new Float32Array([1, 2]);
    const opt = new AdamW({ w }, { lr: 0.1 });
    expect(() => opt.update({ w: new Float32Array(3) })).toThrow(/wrong length: w \(3 ≠ 2\)/);
    expect(() => opt.update({})).toThrow(/missing: w/);
    expect(() => opt.update({ w: new Float32Array(2), z: new Float32Array(1) })).toThrow(/unexpected: z/);
    expect(() => opt.update({ w: new Float32Array(2) }, NaN)).toThrow(/learning rate/);
    expect(Array.from(w)).toEqual([1, 2]);
    expect(opt.step).toBe(0);
    expect(() => new AdamW({ w }, { lr: -1 })).toThrow(/lr/);
    expect(() => new AdamW({ w }, { lr: 1, beta1: 1 })).toThrow(/beta1/);
    expect(() => new AdamW({ w }, { lr: 1, beta2: NaN })).toThrow(/beta2/);
    expect(() => new AdamW({ w }, { lr: 1, eps: 0 })).toThrow(/eps/);
    expect(() => new AdamW({ w }, { lr: 1, weightDecay: Infinity })).toThrow(/weightDecay/);
    expect(() => new AdamW({ w: [1, 2] as unknown as Float32Array }, { lr: 1 })).toThrow(/not a Float32Array/);
    expect(() => opt.moments('nope')).toThrow(/no parameter/);
  });

  it('the default decay filter skips biases and norms by Qwen2-VL name', () => {
    for (const n of ['model.layers.0.self_attn.q_proj.weight', 'visual.blocks.1.mlp.fc1.weight', 'model.embed_tokens.weight', 'visual.merger.mlp.0.weight']) expect(decayExceptBiasAndNorm(n), n).toBe(true);
    for (const n of ['model.layers.0.self_attn.q_proj.bias', 'model.layers.3.input_layernorm.weight', 'model.norm.weight', 'visual.blocks.0.norm1.weight', 'visual.merger.ln_q.weight', 'visual.merger.ln_q.bias'])
      expect(decayExceptBiasAndNorm(n), n).toBe(false);
  });
});
