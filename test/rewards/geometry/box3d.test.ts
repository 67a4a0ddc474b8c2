import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Box3D } from '../../../data/schema.js';
import { iou3d, iou3dAxisAligned, rotatedRectIntersectionArea } from '../../../rewards/geometry/math.js';

const c = fc.double({ min: -100, max: 100, noNaN: true });
const s = fc.double({ min: 0.01, max: 50, noNaN: true });
const yaw = fc.double({ min: -10, max: 10, noNaN: true });
const box3 = (withYaw: boolean): fc.Arbitrary<Box3D> =>
  fc.record({ center: fc.tuple(c, c, c), size: fc.tuple(s, s, s), yaw: withYaw ? yaw : fc.constant(0) });

/** Independent axis-aligned reference: min/max corners. */
function aabbIoU(a: Box3D, b: Box3D): number {
  let inter = 1;
  for (let k = 0; k < 3; k++) {
    const lo = Math.max(a.center[k]! - a.size[k]! / 2, b.center[k]! - b.size[k]! / 2);
    const hi = Math.min(a.center[k]! + a.size[k]! / 2, b.center[k]! + b.size[k]! / 2);
    inter *= Math.max(0, hi - lo);
  }
  const va = a.size[0] * a.size[1] * a.size[2];
  const vb = b.size[0] * b.size[1] * b.size[2];
  return inter / (va + vb - inter);
}

/** Monte Carlo estimate of the footprint intersection area (for rotated boxes). */
function mcArea(a: Box3D, b: Box3D, n: number): number {
  const inside = (p: [number, number], q: Box3D) => {
    const dx = p[0] - q.center[0], dy = p[1] - q.center[1];
    const cs = Math.cos(-(q.yaw ?? 0)), sn = Math.sin(-(q.yaw ?? 0));
    const lx = cs * dx - sn * dy, ly = sn * dx + cs * dy;
    return Math.abs(lx) <= q.size[0] / 2 && Math.abs(ly) <= q.size[1] / 2;
  };
  const r = Math.hypot(a.size[0], a.size[1]) / 2;
  let hit = 0;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const p: [number, number] = [a.center[0] + (rnd() * 2 - 1) * r, a.center[1] + (rnd() * 2 - 1) * r];
    if (inside(p, a) && inside(p, b)) hit++;
  }
  return (hit / n) * 4 * r * r;
}

describe('iou3d', () => {
  it('matches hand-computed axis-aligned values', () => {
    const a: Box3D = { center: [0, 0, 0], size: [2, 2, 2] };
    expect(iou3d(a, a)).toBe(1);
    expect(iou3d(a, { center: [1, 0, 0], size: [2, 2, 2] })).toBeCloseTo(4 / 12, 15);
    expect(iou3d(a, { center: [0, 0, 3], size: [2, 2, 2] })).toBe(0);
  });

  it('a square footprint rotated by 90° equals itself; by 45° it loses the corners', () => {
    const a: Box3D = { center: [1, 2, 3], size: [4, 4, 2], yaw: 0 };
    expect(iou3d(a, { ...a, yaw: Math.PI / 2 })).toBeCloseTo(1, 12);
    expect(iou3d(a, { ...a, yaw: -Math.PI })).toBeCloseTo(1, 12);
    // square of side 4 vs same rotated 45°: intersection is a regular octagon of area 8(√2−1)·4
    const oct = 2 * (Math.sqrt(2) - 1) * 16;
    expect(iou3d(a, { ...a, yaw: Math.PI / 4 })).toBeCloseTo(oct / (32 - oct), 12);
  });

  it('any square footprint rotated by a multiple of 90° equals itself (property)', () => {
    fc.assert(
      fc.property(c, c, c, s, s, yaw, fc.integer({ min: -3, max: 3 }), (x, y, z, side, h, y0, k) => {
        const a: Box3D = { center: [x, y, z], size: [side, side, h], yaw: y0 };
        expect(iou3d(a, { ...a, yaw: y0 + (k * Math.PI) / 2 })).toBeGreaterThan(1 - 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('a thin box rotated 90° about its centre crosses itself', () => {
    const a: Box3D = { center: [0, 0, 0], size: [10, 2, 1] };
    // cross: overlap 2×2 = 4; union 20+20−4 = 36 (per unit height)
    expect(iou3d(a, { ...a, yaw: Math.PI / 2 })).toBeCloseTo(4 / 36, 12);
  });

  it('with yaw 0 (or absent) equals an independent axis-aligned IoU (property)', () => {
    fc.assert(
      fc.property(box3(false), box3(false), (a, b) => {
        const r = iou3d(a, b);
        expect(Math.abs(r - aabbIoU(a, b))).toBeLessThan(1e-12);
        expect(iou3d({ center: a.center, size: a.size }, { center: b.center, size: b.size })).toBe(r);
        expect(iou3dAxisAligned({ ...a, yaw: 1 }, { ...b, yaw: 2 })).toBe(r);
      }),
      { numRuns: 500 },
    );
  });

  it('the clipping path agrees with the common-frame path (yaw vs yaw + 2π) (property)', () => {
    fc.assert(
      fc.property(box3(true), box3(false), yaw, (a, b, y) => {
        const b1 = { ...b, center: [a.center[0] + (b.center[0] % 10), a.center[1] + (b.center[1] % 10), a.center[2]] as [number, number, number], yaw: a.yaw! };
        const exact = iou3d(a, b1);
        const clipped = iou3d(a, { ...b1, yaw: a.yaw! + 2 * Math.PI });
        expect(Math.abs(exact - clipped)).toBeLessThan(1e-7);
        void y;
      }),
      { numRuns: 500 },
    );
  });

  it('is symmetric, in [0, 1], 1 on itself, and invariant to a rigid motion (property)', () => {
    fc.assert(
      fc.property(box3(true), box3(true), yaw, c, c, (a, b, rot, tx, ty) => {
        const r = iou3d(a, b);
        expect(r >= 0 && r <= 1).toBe(true);
        expect(Math.abs(iou3d(b, a) - r)).toBeLessThan(1e-9);
        expect(iou3d(a, a)).toBe(1);
        const move = (q: Box3D): Box3D => {
          const cs = Math.cos(rot), sn = Math.sin(rot);
          return { center: [cs * q.center[0] - sn * q.center[1] + tx, sn * q.center[0] + cs * q.center[1] + ty, q.center[2]], size: q.size, yaw: (q.yaw ?? 0) + rot };
        };
        expect(Math.abs(iou3d(move(a), move(b)) - r)).toBeLessThan(1e-7);
      }),
      { numRuns: 500 },
    );
  });

  it('rotated footprint area agrees with Monte Carlo', () => {
    const a: Box3D = { center: [0, 0, 0], size: [6, 3, 1], yaw: 0.3 };
    const b: Box3D = { center: [1, 0.5, 0], size: [4, 5, 1], yaw: -0.7 };
    const area = rotatedRectIntersectionArea(0, 0, 6, 3, 0.3, 1, 0.5, 4, 5, -0.7);
    expect(Math.abs(area - mcArea(a, b, 400_000)) / area).toBeLessThan(0.02);
    expect(iou3d(a, b)).toBeCloseTo(area / (18 + 20 - area), 12);
  });

  it('is 0 for invalid boxes and never throws on hostile objects', () => {
    const ok: Box3D = { center: [0, 0, 0], size: [1, 1, 1] };
    const bads = [
      { center: [NaN, 0, 0], size: [1, 1, 1] },
      { center: [0, 0, 0], size: [0, 1, 1] },
      { center: [0, 0, 0], size: [-1, 1, 1] },
      { center: [0, 0, 0], size: [1, 1, Infinity] },
      { center: [0, 0, 0], size: [1, 1, 1], yaw: NaN },
      { center: [0, 0, 0], size: [1e200, 1e200, 1e200] },
      {},
      { center: [0, 0] },
    ] as unknown as Box3D[];
    for (const bad of bads) {
      expect(iou3d(ok, bad)).toBe(0);
      expect(iou3d(bad, ok)).toBe(0);
      expect(iou3dAxisAligned(bad, ok)).toBe(0);
    }
  });
});
