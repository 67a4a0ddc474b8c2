import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hungarian } from '../../../rewards/geometry/math.js';

/** Minimum total cost over all assignments of min(n, m) pairs, by brute force. */
function bruteForce(cost: number[][]): number {
  const n = cost.length, m = cost[0]?.length ?? 0;
  if (n === 0 || m === 0) return 0;
  const k = Math.min(n, m);
  let best = Infinity;
  const usedR = new Array<boolean>(n).fill(false), usedC = new Array<boolean>(m).fill(false);
  // choose pairs for each index of the smaller side
  const rec = (i: number, acc: number) => {
    if (i === k) { best = Math.min(best, acc); return; }
    if (n <= m) {
      for (let j = 0; j < m; j++) if (!usedC[j]) { usedC[j] = true; rec(i + 1, acc + cost[i]![j]!); usedC[j] = false; }
    } else {
      for (let r = 0; r < n; r++) if (!usedR[r]) { usedR[r] = true; rec(i + 1, acc + cost[r]![i]!); usedR[r] = false; }
    }
  };
  rec(0, 0);
  return best;
}

const total = (cost: number[][], pairs: Array<[number, number]>) => pairs.reduce((s, [i, j]) => s + cost[i]![j]!, 0);

function checkValid(cost: number[][], pairs: Array<[number, number]>) {
  const n = cost.length, m = cost[0]?.length ?? 0;
  expect(pairs.length).toBe(Math.min(n, m));
  expect(new Set(pairs.map((p) => p[0])).size).toBe(pairs.length);
  expect(new Set(pairs.map((p) => p[1])).size).toBe(pairs.length);
  for (const [i, j] of pairs) expect(i >= 0 && i < n && j >= 0 && j < m).toBe(true);
}

describe('hungarian', () => {
  it('solves small worked examples', () => {
    expect(hungarian([[4, 1], [2, 8]])).toEqual([[0, 1], [1, 0]]);
    expect(hungarian([[4, 1, 3], [2, 0, 5], [3, 2, 2]])).toEqual([[0, 1], [1, 0], [2, 2]]);
    expect(hungarian([[1, 2, 3]])).toEqual([[0, 0]]);
    expect(hungarian([[3], [1], [2]])).toEqual([[1, 0]]);
    expect(hungarian([])).toEqual([]);
    expect(hungarian([[], []])).toEqual([]);
  });

  it('is optimal against brute force on random rectangular matrices (property)', () => {
    const dims = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }));
    const matrix = dims.chain(([n, m]) =>
      fc.array(fc.array(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: m, maxLength: m }), { minLength: n, maxLength: n }),
    );
    fc.assert(
      fc.property(matrix, (cost) => {
        const pairs = hungarian(cost);
        checkValid(cost, pairs);
        expect(Math.abs(total(cost, pairs) - bruteForce(cost))).toBeLessThan(1e-9);
      }),
      { numRuns: 400 },
    );
  });

  it('maximises total IoU when given −IoU (detection use)', () => {
    const ious = [[0.9, 0.8], [0.85, 0.1]];
    const pairs = hungarian(ious.map((r) => r.map((v) => -v)));
    expect(pairs).toEqual([[0, 1], [1, 0]]); // 0.8 + 0.85 > 0.9 + 0.1
  });

  it('treats NaN/Infinity as avoidable costs and ragged rows as missing entries; never throws', () => {
    expect(hungarian([[NaN, 1], [1, NaN]])).toEqual([[0, 1], [1, 0]]);
    expect(hungarian([[Infinity, 5], [0, Infinity]])).toEqual([[0, 1], [1, 0]]);
    expect(hungarian([[-Infinity, 0], [0, 0]])[0]).toEqual([0, 0]);
    const ragged = hungarian([[1], [5, 0]]);
    expect(ragged).toEqual([[0, 0], [1, 1]]);
    expect(hungarian([[1e308, -1e308], [-1e308, 1e308]])).toEqual([[0, 1], [1, 0]]);
    expect(hungarian([[NaN]])).toEqual([[0, 0]]);
    expect(hungarian('x' as unknown as number[][])).toEqual([]);
    // a null row is all-missing: it takes whatever column the real row does not want
    expect(hungarian([null, [1, 2]] as unknown as number[][])).toEqual([[0, 1], [1, 0]]);
  });

  it('handles a 60×80 matrix quickly and validly', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const cost = Array.from({ length: 60 }, () => Array.from({ length: 80 }, () => rnd()));
    const pairs = hungarian(cost);
    checkValid(cost, pairs);
    // no improving swap of two pairs (2-opt optimality, a necessary condition)
    for (let x = 0; x < pairs.length; x++) {
      for (let y = x + 1; y < pairs.length; y++) {
        const [i1, j1] = pairs[x]!, [i2, j2] = pairs[y]!;
        expect(cost[i1]![j1]! + cost[i2]![j2]!).toBeLessThanOrEqual(cost[i1]![j2]! + cost[i2]![j1]! + 1e-12);
      }
    }
  });
});
