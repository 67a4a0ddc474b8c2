import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BBox } from '../../../data/schema.js';
import { boxArea, giou, iou, iouVlmR1, isValidBox, pointInBox } from '../../../rewards/geometry/math.js';

const coord = fc.double({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
const len = fc.double({ min: 1e-3, max: 1e4, noNaN: true, noDefaultInfinity: true });
/** A valid box: positive width and height. */
const box = fc.tuple(coord, coord, len, len).map(([x, y, w, h]): BBox => [x, y, x + w, y + h]).filter(isValidBox);
/** Anything, including NaN, infinities, inverted and degenerate boxes. */
const anyNum = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e308, -1e308));
const anyBox = fc.tuple(anyNum, anyNum, anyNum, anyNum) as fc.Arbitrary<BBox>;

/** Python's float semantics of VLM-R1's reference `iou` (qwen_module.py), for comparison. */
function vlmR1Reference(b1: number[], b2: number[]): number {
  const ix1 = Math.max(b1[0]!, b2[0]!);
  const iy1 = Math.max(b1[1]!, b2[1]!);
  const ix2 = Math.min(b1[2]! - 1, b2[2]! - 1);
  const iy2 = Math.min(b1[3]! - 1, b2[3]! - 1);
  const inter = ix1 < ix2 && iy1 < iy2 ? (ix2 - ix1 + 1) * (iy2 - iy1 + 1) : 0;
  const union = (b1[2]! - b1[0]!) * (b1[3]! - b1[1]!) + (b2[2]! - b2[0]!) * (b2[3]! - b2[1]!) - inter;
  return inter / union;
}

describe('iou (continuous)', () => {
  it('matches hand-computed values', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 15);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0); // touching edges
    expect(iou([0, 0, 10, 10], [2, 2, 4, 4])).toBeCloseTo(4 / 100, 15);
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 15);
  });

  it('is 0 for NaN, infinite, inverted and degenerate boxes', () => {
    const good: BBox = [0, 0, 10, 10];
    for (const bad of [
      [NaN, 0, 10, 10], [0, 0, Infinity, 10], [-Infinity, 0, 10, 10], [10, 0, 0, 10], [0, 10, 10, 0],
      [10, 10, 0, 0], [0, 0, 0, 10], [5, 5, 5, 5], [-1e308, -1e308, 1e308, 1e308],
    ] as BBox[]) {
      expect(iou(good, bad)).toBe(0);
      expect(iou(bad, good)).toBe(0);
      expect(iou(bad, bad)).toBe(0);
      expect(isValidBox(bad)).toBe(false);
      expect(boxArea(bad)).toBe(0);
    }
  });

  it('is symmetric and in [0, 1] for any input (property)', () => {
    fc.assert(
      fc.property(anyBox, anyBox, (a, b) => {
        const r = iou(a, b);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(1);
        expect(iou(b, a)).toBe(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('iou(a, a) = 1 for every valid box (property)', () => {
    fc.assert(fc.property(box, (a) => { expect(iou(a, a)).toBe(1); }), { numRuns: 1000 });
  });

  it('is invariant to translation and uniform scaling (property)', () => {
    fc.assert(
      fc.property(box, box, coord, coord, fc.double({ min: 1e-2, max: 1e2, noNaN: true }), (a, b, tx, ty, s) => {
        const t = (q: BBox): BBox => [(q[0] + tx) * s, (q[1] + ty) * s, (q[2] + tx) * s, (q[3] + ty) * s];
        fc.pre(isValidBox(t(a)) && isValidBox(t(b)));
        expect(Math.abs(iou(t(a), t(b)) - iou(a, b))).toBeLessThan(1e-6);
      }),
      { numRuns: 1000 },
    );
  });

  it('is contained in the other: IoU = small area / large area', () => {
    fc.assert(
      fc.property(box, fc.double({ min: 0, max: 0.49, noNaN: true }), (a, f) => {
        const w = a[2] - a[0], h = a[3] - a[1];
        const inner: BBox = [a[0] + f * w, a[1] + f * h, a[2] - f * w, a[3] - f * h];
        fc.pre(isValidBox(inner));
        const expected = boxArea(inner) / boxArea(a);
        expect(iou(a, inner)).toBeCloseTo(expected, 6);
      }),
    );
  });
});

describe('iouVlmR1 (inclusive-pixel intersection)', () => {
  it('counts x2, y2 as inclusive for the intersection but not for the areas', () => {
    // intersection x: max(0,5)=5 .. min(9,14)=9 -> 9-5+1 = 5 wide; same as continuous here
    expect(iouVlmR1([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 15);
    // overlap of exactly one pixel: ix1 = 9, ix2 = min(9, 19) = 9 -> not strictly less -> 0
    expect(iouVlmR1([0, 0, 10, 10], [9, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [9, 0, 20, 10])).toBeGreaterThan(0);
    // a 1-pixel-wide box never intersects anything, not even itself
    expect(iouVlmR1([3, 0, 4, 10], [3, 0, 4, 10])).toBe(0);
    expect(iouVlmR1([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('equals the reference formula for valid boxes (property)', () => {
    const intBox = fc
      .tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }))
      .map(([x, y, w, h]): BBox => [x, y, x + w, y + h]);
    fc.assert(
      fc.property(fc.oneof(intBox, box), fc.oneof(intBox, box), (a, b) => {
        const ref = vlmR1Reference(a, b);
        const ours = iouVlmR1(a, b);
        expect(Math.abs(ours - Math.min(1, Math.max(0, ref)))).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('is 0 for invalid boxes and in [0, 1] always (property)', () => {
    expect(iouVlmR1([10, 10, 0, 0], [0, 0, 10, 10])).toBe(0);
    expect(iouVlmR1([NaN, 0, 10, 10], [0, 0, 10, 10])).toBe(0);
    fc.assert(
      fc.property(anyBox, anyBox, (a, b) => {
        const r = iouVlmR1(a, b);
        expect(r >= 0 && r <= 1).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('giou', () => {
  it('matches hand-computed values', () => {
    expect(giou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    // disjoint: IoU 0, hull 0..30 x 0..10 = 300, union 200 -> -100/300
    expect(giou([0, 0, 10, 10], [20, 0, 30, 10])).toBeCloseTo(-1 / 3, 15);
    // far apart: tends to -1
    expect(giou([0, 0, 1, 1], [1e6, 1e6, 1e6 + 1, 1e6 + 1])).toBeLessThan(-0.999999);
    expect(giou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 15); // hull = union
  });

  it('is -1 for invalid boxes', () => {
    expect(giou([NaN, 0, 1, 1], [0, 0, 1, 1])).toBe(-1);
    expect(giou([1, 1, 0, 0], [0, 0, 1, 1])).toBe(-1);
    expect(giou([0, 0, 1, 1], [0, 0, 0, 1])).toBe(-1);
  });

  it('lies in [-1, 1], is ≤ IoU and symmetric for any input (property)', () => {
    fc.assert(
      fc.property(fc.oneof(box, anyBox), fc.oneof(box, anyBox), (a, b) => {
        const g = giou(a, b);
        expect(g).toBeGreaterThanOrEqual(-1);
        expect(g).toBeLessThanOrEqual(1);
        expect(g).toBeLessThanOrEqual(iou(a, b));
        expect(giou(b, a)).toBe(g);
      }),
      { numRuns: 2000 },
    );
  });

  it('giou(a, a) = 1 and equals IoU when one box contains the other (property)', () => {
    fc.assert(fc.property(box, (a) => { expect(giou(a, a)).toBe(1); }));
    fc.assert(
      fc.property(box, fc.double({ min: 0, max: 0.49, noNaN: true }), (a, f) => {
        const w = a[2] - a[0], h = a[3] - a[1];
        const inner: BBox = [a[0] + f * w, a[1] + f * h, a[2] - f * w, a[3] - f * h];
        fc.pre(isValidBox(inner));
        expect(giou(a, inner)).toBeCloseTo(iou(a, inner), 9);
      }),
    );
  });

  it('is invariant to translation and uniform scaling (property)', () => {
    fc.assert(
      fc.property(box, box, coord, fc.double({ min: 1e-2, max: 1e2, noNaN: true }), (a, b, t, s) => {
        const f = (q: BBox): BBox => [(q[0] + t) * s, (q[1] - t) * s, (q[2] + t) * s, (q[3] - t) * s];
        fc.pre(isValidBox(f(a)) && isValidBox(f(b)));
        expect(Math.abs(giou(f(a), f(b)) - giou(a, b))).toBeLessThan(1e-6);
      }),
      { numRuns: 500 },
    );
  });
});

describe('pointInBox', () => {
  it('includes the border and rejects NaN or invalid boxes', () => {
    expect(pointInBox([0, 0], [0, 0, 10, 10])).toBe(true);
    expect(pointInBox([10, 10], [0, 0, 10, 10])).toBe(true);
    expect(pointInBox([5, 10.0001], [0, 0, 10, 10])).toBe(false);
    expect(pointInBox([NaN, 5], [0, 0, 10, 10])).toBe(false);
    expect(pointInBox([5, 5], [10, 10, 0, 0])).toBe(false);
  });
});
