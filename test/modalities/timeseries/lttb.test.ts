import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lttbIndices } from '../../../modalities/timeseries/lttb.js';

describe('lttbIndices', () => {
  it('keeps everything when there are fewer points than the threshold, NaNs dropped', () => {
    expect(Array.from(lttbIndices([1, 2, Number.NaN, 4], 10))).toEqual([0, 1, 3]);
    expect(Array.from(lttbIndices([], 10))).toEqual([]);
  });

  it('keeps the ends and the extremes of a spiky series', () => {
    const y = new Float64Array(10_000).map((_, i) => Math.sin(i / 100));
    y[5000] = 50; // a spike LTTB must keep
    y[7000] = -50;
    const k = Array.from(lttbIndices(y, 200));
    expect(k.length).toBe(200);
    expect(k[0]).toBe(0);
    expect(k[k.length - 1]).toBe(9999);
    expect(k).toContain(5000);
    expect(k).toContain(7000);
  });

  it('matches a hand-worked example (one bucket per middle point)', () => {
    // 5 points, threshold 4: every = (5-2)/(4-2) = 1.5, buckets [1] and [2,3]. Bucket 2 keeps
    // the point with the largest triangle (prev = point 1 at y 10, next = point 4 at y 0):
    // point 2 (y 1): |(1-4)(1-10) - (1-2)(0-10)| = 17; point 3 (y 0): |(1-4)(0-10) - (1-3)(0-10)| = 10.
    const y = [0, 10, 1, 0, 0];
    expect(Array.from(lttbIndices(y, 4))).toEqual([0, 1, 2, 4]);
  });

  it('uses the x values when given (uneven sampling)', () => {
    const x = [0, 1, 2, 100, 101];
    const y = [0, 0, 5, 0, 0];
    expect(Array.from(lttbIndices(y, 3, x))).toContain(2);
  });

  it('downsamples 1 million points with gaps', () => {
    const n = 1_000_000;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = i >= 300_000 && i < 310_000 ? Number.NaN : Math.sin(i / 1000) + (i % 7919 === 0 ? 5 : 0);
    const k = lttbIndices(y, 1000);
    expect(k.length).toBeGreaterThan(990);
    expect(k.length).toBeLessThan(1010);
    expect(Array.from(k).some((i) => i === 299_999)).toBe(true); // run ends kept on both sides of the gap
    expect(Array.from(k).some((i) => i === 310_000)).toBe(true);
    for (const i of k) expect(Number.isFinite(y[i]!)).toBe(true);
  });

  it('thins a series too fragmented to draw (more runs than points)', () => {
    const y = new Float64Array(10_000).map((_, i) => (i % 2 ? Number.NaN : i));
    const k = lttbIndices(y, 100);
    expect(k.length).toBeLessThanOrEqual(100);
  });

  it('property: ascending unique finite indices, ends of the first and last run kept, bounded count', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(Number.NaN)), { maxLength: 400 }), fc.integer({ min: 3, max: 100 }), (y, th) => {
        const k = Array.from(lttbIndices(y, th));
        for (let j = 1; j < k.length; j++) expect(k[j]!).toBeGreaterThan(k[j - 1]!);
        for (const i of k) expect(Number.isFinite(y[i]!)).toBe(true);
        const finite = y.map((v, i) => (Number.isFinite(v) ? i : -1)).filter((i) => i >= 0);
        if (finite.length <= th) expect(k).toEqual(finite);
        else {
          expect(k.length).toBeLessThanOrEqual(th + y.length); // never more than the input
          expect(k.length).toBeLessThanOrEqual(Math.max(th * 2, finite.length));
          if (k.length > 0 && k.length >= 2) expect(k[0]).toBe(finite[0]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
