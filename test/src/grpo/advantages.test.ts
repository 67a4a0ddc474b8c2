import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeAdvantages, informativeGroups, listAdvantages } from '../../../src/grpo/advantages.js';

const close = (a: ArrayLike<number>, b: number[], tol = 1e-9) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(tol);
};

describe('advantage estimators', () => {
  it('grpo: group mean and unbiased std (hand-computed)', () => {
    // group [1, 0]: mean .5, std sqrt(.5) = .70711 -> ±.70711 ; group [3, 3, 0] later
    close(computeAdvantages('grpo', { rewards: [1, 0, 0, 1], groupSize: 2 }, { eps: 0 }), [0.5 / Math.SQRT1_2, -0.5 / Math.SQRT1_2, -0.5 / Math.SQRT1_2, 0.5 / Math.SQRT1_2]);
    // [2, 4, 6]: mean 4, std 2 -> [-1, 0, 1]
    close(computeAdvantages('grpo', { rewards: [2, 4, 6], groupSize: 3 }, { eps: 0 }), [-1, 0, 1]);
    // all-equal group: 0 (eps keeps it finite)
    close(computeAdvantages('grpo', { rewards: [5, 5, 5], groupSize: 3 }), [0, 0, 0]);
    close(computeAdvantages('grpo', { rewards: [1, 2], groupSize: 1 }), [0, 0]);
  });

  it('dr_grpo, rloo and reinforce_pp (hand-computed)', () => {
    close(computeAdvantages('dr_grpo', { rewards: [2, 4, 6], groupSize: 3 }), [-2, 0, 2]);
    // rloo: 2 - (4+6)/2 = -3 ; 4 - 4 = 0 ; 6 - 3 = 3
    close(computeAdvantages('rloo', { rewards: [2, 4, 6], groupSize: 3 }), [-3, 0, 3]);
    // reinforce_pp: centred [-2, 0, 2, -1, 1, 0]; batch mean 0, unbiased var 10/5 = 2
    const s = Math.SQRT2;
    close(computeAdvantages('reinforce_pp', { rewards: [2, 4, 6, 0, 2, 1], groupSize: 3 }, { eps: 0 }), [-2 / s, 0, 2 / s, -1 / s, 1 / s, 0]);
  });

  it('difficulty weighting scales each group by 4σ·d(1−d)', () => {
    const a = computeAdvantages('dr_grpo', { rewards: [1, 0, 1, 1], groupSize: 2 }, { difficultyWeighting: true });
    // group 1: d = .5 -> w = 4·1.8·.25 = 1.8 ; group 2: d = 1 -> w = 0
    close(a, [0.9, -0.9, 0, 0]);
  });

  it('sums to zero per group for grpo, dr_grpo and rloo (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 64 }), (g, xs) => {
        const rewards = xs.slice(0, Math.floor(xs.length / g) * g);
        for (const name of ['grpo', 'dr_grpo', 'rloo']) {
          const a = computeAdvantages(name, { rewards, groupSize: g });
          for (let s = 0; s < a.length; s += g) {
            let sum = 0;
            for (let i = 0; i < g; i++) sum += a[s + i]!;
            expect(Math.abs(sum)).toBeLessThan(1e-6 * g * 1e3);
          }
        }
      }),
    );
  });

  it('rejects bad input with clear errors', () => {
    expect(() => computeAdvantages('ppo_gae', { rewards: [1], groupSize: 1 })).toThrow(/known: .*grpo/);
    expect(() => computeAdvantages('grpo', { rewards: [1, 2, 3], groupSize: 2 })).toThrow(/groups of 2/);
    expect(() => computeAdvantages('grpo', { rewards: [1, NaN], groupSize: 2 })).toThrow(/finite/);
    expect(() => computeAdvantages('grpo', { rewards: [1], groupSize: 0 })).toThrow(/positive integer/);
    expect(listAdvantages()).toEqual(['dr_grpo', 'grpo', 'reinforce_pp', 'rloo']);
  });

  it('informativeGroups drops groups whose rewards are all equal (DAPO dynamic sampling)', () => {
    expect(informativeGroups([1, 1, 0, 1, 0.5, 0.5], 2)).toEqual([1]);
    expect(informativeGroups([], 4)).toEqual([]);
  });
});
