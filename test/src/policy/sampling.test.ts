import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logprobAt, sampleToken } from '../../../src/policy/sampling.js';
import { Rng } from '../../../src/util/rng.js';

const plain = { temperature: 1, topK: 0, topP: 1 };

describe('sampleToken', () => {
  it('draws tokens with the softmax(logits / T) frequencies', () => {
    const logits = [2, 0.5, -1, 1];
    for (const temperature of [1, 0.5]) {
      const rng = new Rng(3);
      const counts = [0, 0, 0, 0];
      const N = 40_000;
      for (let i = 0; i < N; i++) counts[sampleToken(logits, { ...plain, temperature }, rng).token]!++;
      for (let k = 0; k < 4; k++) {
        const p = Math.exp(logprobAt(logits, k, temperature));
        // 5 standard deviations of a binomial proportion
        expect(Math.abs(counts[k]! / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
      }
    }
  });

  it('reports the FULL-distribution logprob, also under top-k / top-p truncation', () => {
    const logits = Float32Array.from([3, 2.5, 0, -2, 1]);
    const rng = new Rng(1);
    for (const o of [plain, { temperature: 0.7, topK: 2, topP: 1 }, { temperature: 1.3, topK: 0, topP: 0.5 }]) {
      for (let i = 0; i < 50; i++) {
        const { token, logprob } = sampleToken(logits, o, rng);
        expect(logprob).toBeCloseTo(logprobAt(logits, token, o.temperature), 10);
        if (o.topK === 2) expect([0, 1]).toContain(token);
      }
    }
  });

  it('top-p keeps the smallest prefix of most likely tokens reaching p; top-k 1 and tiny p are greedy', () => {
    const logits = [0, 5, 1, 4.9];
    const rng = new Rng(2);
    for (let i = 0; i < 100; i++) {
      expect(sampleToken(logits, { temperature: 1, topK: 1, topP: 1 }, rng).token).toBe(1);
      expect(sampleToken(logits, { temperature: 1, topK: 0, topP: 1e-6 }, rng).token).toBe(1);
      expect([1, 3]).toContain(sampleToken(logits, { temperature: 1, topK: 0, topP: 0.9 }, rng).token);
    }
  });

  it('greedy (T = 0) is the argmax with its T = 1 logprob, and draws nothing from the generator', () => {
    const rng = new Rng(5);
    const before = rng.state();
    const r = sampleToken([0.1, 3, -2], { temperature: 0, topK: 0, topP: 1 }, rng);
    expect(r.token).toBe(1);
    expect(r.logprob).toBeCloseTo(logprobAt([0.1, 3, -2], 1, 1), 12);
    expect(rng.state()).toEqual(before);
  });

  it('property: a reused (even longer, dirty) scratch buffer changes nothing, and every logprob is ≤ 0 and finite', () => {
    fc.assert(fc.property(
      fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 40 }),
      fc.float({ min: Math.fround(0.05), max: 4, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (logits, temperature, seed) => {
        const scratch = new Float64Array(logits.length + 7).fill(1e9);
        const a = sampleToken(logits, { ...plain, temperature }, new Rng(seed));
        const b = sampleToken(logits, { ...plain, temperature }, new Rng(seed), scratch);
        return a.token === b.token && a.logprob === b.logprob && a.token >= 0 && a.token < logits.length && a.logprob <= 0 && Number.isFinite(a.logprob);
      },
    ));
  });

  it('never picks a token of zero probability (−Infinity logits), even at the end of the vocabulary', () => {
    const logits = [1, 2, -Infinity, -Infinity];
    const rng = new Rng(9);
    for (let i = 0; i < 2000; i++) expect(sampleToken(logits, plain, rng).token).toBeLessThan(2);
    // a generator stuck at the top of its range still lands on a possible token
    const top = { next: () => 1 - Number.EPSILON } as Rng;
    expect(sampleToken(logits, plain, top).token).toBe(1);
  });

  it('rejects empty, NaN, +Infinity and all −Infinity logits with a clear error; huge finite logits are fine', () => {
    const rng = new Rng(0);
    for (const o of [plain, { temperature: 0, topK: 0, topP: 1 }]) {
      expect(() => sampleToken([], o, rng)).toThrow(/empty logits/);
      expect(() => sampleToken([0, Number.NaN, 1], o, rng)).toThrow(/not finite/);
      expect(() => sampleToken([0, Infinity], o, rng)).toThrow(/not finite/);
      expect(() => sampleToken([-Infinity, -Infinity], o, rng)).toThrow(/not finite/);
    }
    const huge = new Float32Array(262_144).fill(-1e30); // 1 MB of logits
    huge[77] = 3e38;
    expect(sampleToken(huge, plain, rng)).toEqual({ token: 77, logprob: 0 });
  });
});
