/**
 * Axis-aligned 2D box geometry: IoU (continuous and the VLM-R1 inclusive-pixel variant), GIoU,
 * point-in-box. Boxes are `[x1, y1, x2, y2]` (any consistent unit; glimpse compares them in
 * original-image pixels). All functions are total, pure and allocation-free.
 *
 * Degenerate input is handled the same way everywhere: a box is VALID when every coordinate is
 * finite, `x2 > x1`, `y2 > y1` and its area `(x2-x1)(y2-y1)` is a finite number. Any IoU involving
 * an invalid box (NaN, ±Infinity, zero width or height, inverted corners) is 0; its GIoU is -1.
 * Inverted boxes are NOT silently re-ordered: a model that writes `[x2, y2, x1, y1]` is wrong.
 */
import type { BBox, Point } from '../../../data/schema.js';

/** Read-only view of a box: the math accepts tuples, plain arrays and typed-array views alike. */
export type BoxLike = Readonly<BBox> | ArrayLike<number>;

/** True when `b` is a valid box: finite corners, positive width and height, finite area. */
export function isValidBox(b: BoxLike): boolean {
  const w = (b[2] as number) - (b[0] as number);
  const h = (b[3] as number) - (b[1] as number);
  // NaN fails every comparison; an infinite corner makes w or h infinite or NaN.
  return w > 0 && h > 0 && w * h < Infinity;
}

/** Area `(x2-x1)(y2-y1)` of a valid box, else 0. */
export function boxArea(b: BoxLike): number {
  const w = (b[2] as number) - (b[0] as number);
  const h = (b[3] as number) - (b[1] as number);
  const a = w * h;
  return w > 0 && h > 0 && a < Infinity ? a : 0;
}

/**
 * Standard continuous intersection-over-union of two boxes:
 * `|A∩B| / (|A| + |B| − |A∩B|)` with areas `(x2−x1)(y2−y1)`. In [0, 1]; 0 when either box is
 * invalid (see module doc). Symmetric, scale and translation invariant, `iou(a, a) = 1` exactly.
 * The operation order matches Visual-RFT's `calculate_iou`, so valid boxes give bit-identical
 * results.
 */
export function iou(a: BoxLike, b: BoxLike): number {
  const ax1 = a[0] as number, ay1 = a[1] as number, ax2 = a[2] as number, ay2 = a[3] as number;
  const bx1 = b[0] as number, by1 = b[1] as number, bx2 = b[2] as number, by2 = b[3] as number;
  const aw = ax2 - ax1, ah = ay2 - ay1, bw = bx2 - bx1, bh = by2 - by1;
  const areaA = aw * ah, areaB = bw * bh;
  if (!(aw > 0 && ah > 0 && bw > 0 && bh > 0 && areaA < Infinity && areaB < Infinity)) return 0;
  const iw = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
  const ih = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  const r = inter / (areaA + areaB - inter);
  return r < 1 ? r : 1;
}

/**
 * The IoU of VLM-R1's REC reward (`iou` in `open_r1/vlm_modules/qwen_module.py` and
 * `grpo_jsonl.py`): the intersection treats x2, y2 as inclusive pixels —
 * `ix2 = min(a2−1, b2−1)`, counted only when `ix1 < ix2` (strictly), area `(ix2−ix1+1)·(iy2−iy1+1)` —
 * while the box areas stay `(x2−x1)(y2−y1)`. Consequence: overlaps of one pixel or less count 0.
 *
 * For valid boxes this is the reference formula operation for operation (then capped at 1, which
 * only matters for a last-bit rounding excess). For invalid boxes it returns 0; the reference
 * also yields 0 for inverted boxes (their intersection is always empty) and raises on a zero
 * union, which its caller turns into 0.
 */
export function iouVlmR1(a: BoxLike, b: BoxLike): number {
  const ax1 = a[0] as number, ay1 = a[1] as number, ax2 = a[2] as number, ay2 = a[3] as number;
  const bx1 = b[0] as number, by1 = b[1] as number, bx2 = b[2] as number, by2 = b[3] as number;
  const aw = ax2 - ax1, ah = ay2 - ay1, bw = bx2 - bx1, bh = by2 - by1;
  const areaA = aw * ah, areaB = bw * bh;
  if (!(aw > 0 && ah > 0 && bw > 0 && bh > 0 && areaA < Infinity && areaB < Infinity)) return 0;
  const ix1 = ax1 > bx1 ? ax1 : bx1;
  const iy1 = ay1 > by1 ? ay1 : by1;
  const ix2 = Math.min(ax2 - 1, bx2 - 1);
  const iy2 = Math.min(ay2 - 1, by2 - 1);
  const inter = ix1 < ix2 && iy1 < iy2 ? (ix2 - ix1 + 1) * (iy2 - iy1 + 1) : 0;
  const r = inter / (areaA + areaB - inter);
  return r < 1 ? (r > 0 ? r : 0) : 1;
}

/**
 * Generalized IoU (Rezatofighi et al., CVPR 2019): `IoU − |C \ (A∪B)| / |C|` with C the smallest
 * enclosing box. Raw value in [−1, 1], always ≤ `iou(a, b)`; −1 when either box is invalid.
 */
export function giou(a: BoxLike, b: BoxLike): number {
  const ax1 = a[0] as number, ay1 = a[1] as number, ax2 = a[2] as number, ay2 = a[3] as number;
  const bx1 = b[0] as number, by1 = b[1] as number, bx2 = b[2] as number, by2 = b[3] as number;
  const aw = ax2 - ax1, ah = ay2 - ay1, bw = bx2 - bx1, bh = by2 - by1;
  const areaA = aw * ah, areaB = bw * bh;
  if (!(aw > 0 && ah > 0 && bw > 0 && bh > 0 && areaA < Infinity && areaB < Infinity)) return -1;
  const iw = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
  const ih = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = areaA + areaB - inter;
  let i = inter / union;
  if (!(i < 1)) i = 1;
  const cw = (ax2 > bx2 ? ax2 : bx2) - (ax1 < bx1 ? ax1 : bx1);
  const ch = (ay2 > by2 ? ay2 : by2) - (ay1 < by1 ? ay1 : by1);
  const c = cw * ch;
  // C ⊇ A∪B, so (C − U)/C ∈ [0, 1); clamp against rounding (and an enclosing area overflowing).
  let penalty = c < Infinity ? (c - union) / c : 1;
  if (!(penalty > 0)) penalty = 0;
  else if (penalty > 1) penalty = 1;
  return i - penalty;
}

/** True when point `p` lies in box `b`, borders included; false for an invalid box or a NaN point. */
export function pointInBox(p: Readonly<Point> | ArrayLike<number>, b: BoxLike): boolean {
  if (!isValidBox(b)) return false;
  const x = p[0] as number, y = p[1] as number;
  return x >= (b[0] as number) && x <= (b[2] as number) && y >= (b[1] as number) && y <= (b[3] as number);
}
