import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { paddingStats, planMicroBatches, sortedChunks } from '../../../../src/policy/model/batching.js';

describe('micro-batch padding', () => {
  it('paddingStats counts real tokens, padded slots and attention cells', () => {
    const s = paddingStats([10, 4, 6, 10], [[0, 1], [2, 3]]);
    expect(s.tokens).toBe(30);
    expect(s.slots).toBe(2 * 10 + 2 * 10);
    expect(s.tokenWaste).toBeCloseTo(1 - 30 / 40, 12);
    expect(s.attentionWaste).toBeCloseTo(1 - (100 + 16 + 36 + 100) / (200 + 200), 12);
    expect(s.microBatches).toBe(2);
    expect(paddingStats([], []).tokenWaste).toBe(0);
  });

  it('sorted fixed-size chunks (the trainer\'s scheme) have no bound: one long completion pads its chunk', () => {
    const lengths = [20, 20, 20, 200, 21, 22, 23, 24];
    const chunks = sortedChunks(lengths, 4);
    expect(chunks).toEqual([[0, 1, 2, 4], [5, 6, 7, 3]]);
    expect(paddingStats(lengths, chunks).tokenWaste).toBeGreaterThan(0.3);
    const plan = planMicroBatches(lengths, { maxSequences: 4, maxWaste: 0.1 });
    expect(plan).toEqual([[0, 1, 2, 4], [5, 6, 7], [3]]);
    expect(paddingStats(lengths, plan).tokenWaste).toBeLessThanOrEqual(0.1);
  });

  it('property: a plan covers every sequence once, respects both bounds per micro-batch and overall', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 80 }),
      fc.integer({ min: 1, max: 16 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      (lengths, maxSequences, maxWaste) => {
        const plan = planMicroBatches(lengths, { maxSequences, maxWaste });
        const seen = plan.flat().sort((a, b) => a - b);
        if (seen.join(',') !== lengths.map((_, i) => i).join(',')) return false;
        for (const b of plan) {
          if (b.length < 1 || b.length > maxSequences) return false;
          if (paddingStats(lengths, [b]).tokenWaste > maxWaste + 1e-9) return false;
        }
        return paddingStats(lengths, plan).tokenWaste <= maxWaste + 1e-9;
      },
    ));
  });

  it('equal lengths pack into full micro-batches with zero waste; maxWaste 0 splits at every length change', () => {
    expect(planMicroBatches(new Array(10).fill(7), { maxSequences: 4 })).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(planMicroBatches([3, 5, 3, 5], { maxSequences: 8, maxWaste: 0 })).toEqual([[0, 2], [1, 3]]);
  });

  it('rejects bad lengths, indices and bounds with clear errors', () => {
    expect(() => planMicroBatches([3, 0], { maxSequences: 2 })).toThrow(/length 1 is 0/);
    expect(() => planMicroBatches([3, Number.NaN], { maxSequences: 2 })).toThrow(/length 1 is NaN/);
    expect(() => planMicroBatches([3], { maxSequences: 0 })).toThrow(/maxSequences/);
    expect(() => planMicroBatches([3], { maxSequences: 2, maxWaste: 1 })).toThrow(/maxWaste/);
    expect(() => planMicroBatches([3], { maxSequences: 2, maxWaste: Number.NaN })).toThrow(/maxWaste/);
    expect(() => sortedChunks([3], 0)).toThrow(/size/);
    expect(() => paddingStats([3], [[1]])).toThrow(/index 1 is outside/);
    expect(() => paddingStats([2.5], [[0]])).toThrow(/length 0 is 2.5/);
    // a huge plan stays linear-ish: 100 000 sequences
    const big = Array.from({ length: 100_000 }, (_, i) => 1 + ((i * 7919) % 4000));
    const plan = planMicroBatches(big, { maxSequences: 32, maxWaste: 0.05 });
    expect(paddingStats(big, plan).tokenWaste).toBeLessThanOrEqual(0.05);
  });
});
