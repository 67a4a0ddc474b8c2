import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BBox, Span } from '../../../data/schema.js';
import { iou, temporalIoU, tubeIoU } from '../../../rewards/geometry/math.js';

const t = fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
const span = fc.tuple(t, fc.double({ min: 1e-3, max: 1e3, noNaN: true })).map(([s, l]): Span => [s, s + l]);
const anySpan = fc.tuple(fc.double(), fc.double()) as fc.Arbitrary<Span>;

describe('temporalIoU (Charades-STA)', () => {
  it('matches hand-computed values', () => {
    expect(temporalIoU([0, 10], [0, 10])).toBe(1);
    expect(temporalIoU([0, 10], [5, 15])).toBeCloseTo(5 / 15, 15);
    expect(temporalIoU([12.5, 20.1], [10, 20])).toBeCloseTo(7.5 / 10.1, 12);
    expect(temporalIoU([0, 1], [2, 3])).toBe(0);
    expect(temporalIoU([0, 1], [1, 2])).toBe(0);
  });

  it('is 0 for NaN, infinite, inverted and zero-length spans', () => {
    for (const bad of [[NaN, 1], [0, Infinity], [5, 1], [3, 3], [-Infinity, Infinity]] as Span[]) {
      expect(temporalIoU(bad, [0, 10])).toBe(0);
      expect(temporalIoU([0, 10], bad)).toBe(0);
    }
  });

  it('is symmetric, in [0, 1], and 1 on itself (property)', () => {
    fc.assert(
      fc.property(fc.oneof(span, anySpan), fc.oneof(span, anySpan), (a, b) => {
        const r = temporalIoU(a, b);
        expect(r >= 0 && r <= 1).toBe(true);
        expect(temporalIoU(b, a)).toBe(r);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(span, (a) => { expect(temporalIoU(a, a)).toBe(1); }));
  });
});

describe('tubeIoU (HC-STVG tIoU / vIoU)', () => {
  const b: BBox = [0, 0, 10, 10];
  const half: BBox = [5, 0, 15, 10];

  it('follows the HC-STVG definitions over frame sets', () => {
    const pred = new Map<number, BBox>([[1, b], [2, b], [3, half], [9, b]]);
    const gt = new Map<number, BBox>([[2, b], [3, b], [4, b]]);
    // P∩G = {2,3}, P∪G = {1,2,3,4,9}
    const r = tubeIoU(pred, gt);
    expect(r.tIoU).toBeCloseTo(2 / 5, 15);
    expect(r.vIoU).toBeCloseTo((1 + iou(half, b)) / 5, 15);
  });

  it('is 1/1 for identical tubes and 0/0 for disjoint or empty ones', () => {
    const g = new Map<number, BBox>([[0, b], [1, half]]);
    expect(tubeIoU(g, g)).toEqual({ tIoU: 1, vIoU: 1 });
    expect(tubeIoU(new Map([[5, b]]), g)).toEqual({ tIoU: 0, vIoU: 0 });
    expect(tubeIoU(new Map(), new Map())).toEqual({ tIoU: 0, vIoU: 0 });
    expect(tubeIoU(new Map(), g)).toEqual({ tIoU: 0, vIoU: 0 });
  });

  it('counts a frame with an invalid box as present with IoU 0', () => {
    const r = tubeIoU(new Map<number, BBox>([[0, [NaN, 0, 1, 1]]]), new Map<number, BBox>([[0, b]]));
    expect(r).toEqual({ tIoU: 1, vIoU: 0 });
  });

  it('is symmetric with vIoU ≤ tIoU, both in [0, 1] (property)', () => {
    const frames = fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 20 });
    const bx = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 20 }))
      .map(([x, y, s]): BBox => [x, y, x + s, y + s]);
    const tube = fc.tuple(frames, fc.array(bx, { minLength: 20, maxLength: 20 })).map(([fs, bs]) => new Map(fs.map((f, i) => [f, bs[i]!])));
    fc.assert(
      fc.property(tube, tube, (p, g) => {
        const r = tubeIoU(p, g);
        const s = tubeIoU(g, p);
        expect(s.tIoU).toBe(r.tIoU);
        expect(Math.abs(s.vIoU - r.vIoU)).toBeLessThan(1e-12);
        expect(r.vIoU).toBeLessThanOrEqual(r.tIoU + 1e-12);
        expect(r.tIoU >= 0 && r.tIoU <= 1 && r.vIoU >= 0 && r.vIoU <= 1).toBe(true);
      }),
    );
  });
});
