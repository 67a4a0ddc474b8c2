/**
 * Exact areas of unions of axis-aligned rectangles by coordinate compression: every rectangle
 * edge cuts the plane into cells; a cell counts when a rectangle of the set covers it.
 * O(n³) for n rectangles — the callers cap n (32 cited + 32 ground-truth regions).
 */
import type { BBox } from '../../data/schema.js';

/** Coordinates are clamped to ±LIMIT so that areas stay finite (1e300 boxes, etc.). */
const LIMIT = 1e7;

/** A well-formed rectangle (finite, x1 < x2, y1 < y2, clamped to ±1e7), or undefined. */
export function cleanBox(b: readonly number[]): BBox | undefined {
  if (b.length !== 4 || !b.every((v) => Number.isFinite(v))) return undefined;
  const c = b.map((v) => Math.max(-LIMIT, Math.min(LIMIT, v))) as BBox;
  return c[2] > c[0] && c[3] > c[1] ? c : undefined;
}

function covers(boxes: readonly BBox[], x: number, y: number): boolean {
  for (const b of boxes) if (b[0] <= x && x < b[2] && b[1] <= y && y < b[3]) return true;
  return false;
}

/**
 * Areas of ∪A, ∪B and (∪A) ∩ (∪B), in squared units of the boxes.
 * @example unionAreas([[0,0,2,2]], [[1,1,3,3]]) // { a: 4, b: 4, both: 1 }
 */
export function unionAreas(a: readonly BBox[], b: readonly BBox[]): { a: number; b: number; both: number } {
  const all = [...a, ...b];
  const xs = [...new Set(all.flatMap((r) => [r[0], r[2]]))].sort((p, q) => p - q);
  const ys = [...new Set(all.flatMap((r) => [r[1], r[3]]))].sort((p, q) => p - q);
  let areaA = 0;
  let areaB = 0;
  let both = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const x = xs[i]!;
    const w = xs[i + 1]! - x;
    for (let j = 0; j + 1 < ys.length; j++) {
      const y = ys[j]!;
      const cell = w * (ys[j + 1]! - y);
      const inA = covers(a, x, y);
      const inB = covers(b, x, y);
      if (inA) areaA += cell;
      if (inB) areaB += cell;
      if (inA && inB) both += cell;
    }
  }
  return { a: areaA, b: areaB, both };
}
