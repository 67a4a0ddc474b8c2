import { describe, expect, it } from 'vitest';
import { referenceObjective, type ObjectiveBatch, type ObjectiveParams } from '../../../src/grpo/reference.js';
import { Rng } from '../../../src/util/rng.js';

function batch(seed: number, n = 3, t = 5): ObjectiveBatch {
  const r = new Rng(seed);
  const logp = Float64Array.from({ length: n * t }, () => -r.uniform(0.1, 3));
  const oldLogp = logp.map((v) => v + r.uniform(-0.4, 0.4));
  const refLogp = logp.map((v) => v + r.uniform(-0.3, 0.3));
  const mask = Float64Array.from({ length: n * t }, (_, k) => (k % t < t - (Math.floor(k / t) % 3) ? 1 : 0));
  const advantages = Float64Array.from({ length: n }, () => r.uniform(-1.5, 1.5));
  return { logp, oldLogp, refLogp, mask, advantages, n, t };
}

const base: ObjectiveParams = { clipLow: 0.2, clipHigh: 0.28, ratioLevel: 'token', lossAgg: 'token-mean', klCoef: 0, klEstimator: 'k3' };

describe('reference GRPO objective', () => {
  it('matches a hand-computed single-token case', () => {
    // ratio = e^{0.1} = 1.10517, A = 2: pg1 = -2.2103, pg2 = -2·1.10517 (not clipped) -> loss -2.2103
    const b: ObjectiveBatch = { logp: Float64Array.of(-1), oldLogp: Float64Array.of(-1.1), mask: Float64Array.of(1), advantages: Float64Array.of(2), n: 1, t: 1 };
    const v = referenceObjective(b, base);
    expect(v.loss).toBeCloseTo(-2 * Math.exp(0.1), 10);
    expect(v.gradLogp[0]).toBeCloseTo(-2 * Math.exp(0.1), 10);
    // ratio e^{0.5} = 1.6487 > 1.28 with A > 0: clipped, zero gradient
    const c = referenceObjective({ ...b, oldLogp: Float64Array.of(-1.5) }, base);
    expect(c.loss).toBeCloseTo(-2 * 1.28, 10);
    expect(c.gradLogp[0]).toBe(0);
    expect(c.clipFrac).toBe(1);
    // dual clip: A = -1, ratio = e^{2}: pg1 = 7.389 > pg2, dual clip c = 3 caps at 3
    const d = referenceObjective({ ...b, oldLogp: Float64Array.of(-3), advantages: Float64Array.of(-1) }, { ...base, dualClip: 3 });
    expect(d.loss).toBeCloseTo(3, 10);
  });

  it('k1, k2, k3 KL estimators at r = ref − logp', () => {
    const b: ObjectiveBatch = { logp: Float64Array.of(-1), oldLogp: Float64Array.of(-1), refLogp: Float64Array.of(-0.5), mask: Float64Array.of(1), advantages: Float64Array.of(0), n: 1, t: 1 };
    const r = 0.5;
    expect(referenceObjective(b, { ...base, klCoef: 1, klEstimator: 'k1' }).kl).toBeCloseTo(-r, 12);
    expect(referenceObjective(b, { ...base, klCoef: 1, klEstimator: 'k2' }).kl).toBeCloseTo(r * r / 2, 12);
    expect(referenceObjective(b, { ...base, klCoef: 1, klEstimator: 'k3' }).kl).toBeCloseTo(Math.exp(r) - r - 1, 12);
  });

  it('its gradient agrees with central finite differences for every variant', () => {
    const variants: Array<Partial<ObjectiveParams>> = [
      {},
      { lossAgg: 'seq-mean-token-mean' },
      { lossAgg: 'seq-mean-token-sum-norm', maxTokens: 8 },
      { klCoef: 0.1, klEstimator: 'k3' },
      { klCoef: 0.1, klEstimator: 'k2' },
      { ratioLevel: 'sequence' },
      { dualClip: 3 },
    ];
    for (const [vi, v] of variants.entries()) {
      const b = batch(vi + 1);
      const p = { ...base, ...v };
      const g = referenceObjective(b, p).gradLogp;
      const h = 1e-6;
      for (let k = 0; k < b.n * b.t; k++) {
        const plus = Float64Array.from(b.logp);
        const minus = Float64Array.from(b.logp);
        plus[k]! += h;
        minus[k]! -= h;
        const fd = (referenceObjective({ ...b, logp: plus }, p).loss - referenceObjective({ ...b, logp: minus }, p).loss) / (2 * h);
        expect(Math.abs(fd - g[k]!), `variant ${JSON.stringify(v)} k=${k}`).toBeLessThan(1e-6);
      }
    }
  });

  it('ignores masked tokens and handles an all-masked batch', () => {
    const b = batch(9);
    const v = referenceObjective({ ...b, mask: new Float64Array(b.n * b.t) }, base);
    expect(v.loss).toBe(0);
    expect(v.clipFrac).toBe(0);
    expect([...v.gradLogp].every((x) => x === 0)).toBe(true);
  });
});
