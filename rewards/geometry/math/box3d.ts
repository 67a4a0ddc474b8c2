/**
 * 3D box IoU for boxes `{ center: [x, y, z], size: [dx, dy, dz], yaw? }` in scene units, yaw in
 * radians about the up axis z (counter-clockwise seen from +z). The intersection volume is the
 * intersection AREA of the two footprints in the xy plane times the overlap of the z ranges.
 * Footprints with equal yaw are intersected exactly in their common frame (axis-aligned when both
 * yaws are 0 or absent); otherwise by convex polygon clipping (Sutherland–Hodgman) of one rectangle
 * by the other's four half-planes. No allocation per call (module-level scratch buffers).
 */
import type { Box3D } from '../../../data/schema.js';

/** The fields iou3d reads; extra fields (label) are ignored. */
export type Box3DLike = Pick<Box3D, 'center' | 'size' | 'yaw'>;

/** True when centre and size are finite, every size > 0 and the volume is finite; yaw, if given, finite. */
export function isValidBox3D(b: Box3DLike): boolean {
  const c = b?.center, s = b?.size;
  if (!c || !s) return false;
  const cx = c[0], cy = c[1], cz = c[2], dx = s[0], dy = s[1], dz = s[2];
  const yaw = b.yaw ?? 0;
  return (
    Number.isFinite(cx) && Number.isFinite(cy) && Number.isFinite(cz) && Number.isFinite(yaw) &&
    dx > 0 && dy > 0 && dz > 0 && dx * dy * dz < Infinity
  );
}

/**
 * Axis-aligned 3D IoU ignoring yaw (as 3D-R1's perception reward and ScanRefer's Acc@k compute
 * it). In [0, 1]; 0 for an invalid box.
 */
export function iou3dAxisAligned(a: Box3DLike, b: Box3DLike): number {
  if (!isValidBox3D(a) || !isValidBox3D(b)) return 0;
  return alignedIoU(
    a.center[0], a.center[1], a.center[2], a.size[0], a.size[1], a.size[2],
    b.center[0], b.center[1], b.center[2], b.size[0], b.size[1], b.size[2],
  );
}

function overlap1d(ca: number, da: number, cb: number, db: number): number {
  const lo = Math.max(ca - da / 2, cb - db / 2);
  const hi = Math.min(ca + da / 2, cb + db / 2);
  return hi > lo ? hi - lo : 0;
}

function alignedIoU(
  ax: number, ay: number, az: number, adx: number, ady: number, adz: number,
  bx: number, by: number, bz: number, bdx: number, bdy: number, bdz: number,
): number {
  // Extents are rounded once and volumes use the same rounded extents, so iou3d(a, a) is exactly 1.
  const ax1 = ax - adx / 2, ax2 = ax + adx / 2, bx1 = bx - bdx / 2, bx2 = bx + bdx / 2;
  const ox = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
  if (!(ox > 0)) return 0;
  const ay1 = ay - ady / 2, ay2 = ay + ady / 2, by1 = by - bdy / 2, by2 = by + bdy / 2;
  const oy = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
  if (!(oy > 0)) return 0;
  const az1 = az - adz / 2, az2 = az + adz / 2, bz1 = bz - bdz / 2, bz2 = bz + bdz / 2;
  const oz = (az2 < bz2 ? az2 : bz2) - (az1 > bz1 ? az1 : bz1);
  if (!(oz > 0)) return 0;
  const inter = ox * oy * oz;
  const va = (ax2 - ax1) * (ay2 - ay1) * (az2 - az1);
  const vb = (bx2 - bx1) * (by2 - by1) * (bz2 - bz1);
  const r = inter / (va + vb - inter);
  return r < 1 ? r : 1;
}

// Scratch polygons for the clipper: at most 8 vertices survive clipping a quad by a quad.
const bufA = new Float64Array(32);
const bufB = new Float64Array(32);
const clipRect = new Float64Array(8);

/** Writes the 4 corners of a yaw-rotated rectangle, counter-clockwise, into `out` (x0,y0,…). */
function corners(out: Float64Array, cx: number, cy: number, dx: number, dy: number, yaw: number): void {
  const c = Math.cos(yaw), s = Math.sin(yaw);
  const hx = dx / 2, hy = dy / 2;
  // local (+hx,−hy), (+hx,+hy), (−hx,+hy), (−hx,−hy) is counter-clockwise; rotation preserves it.
  out[0] = cx + c * hx + s * hy; out[1] = cy + s * hx - c * hy;
  out[2] = cx + c * hx - s * hy; out[3] = cy + s * hx + c * hy;
  out[4] = cx - c * hx - s * hy; out[5] = cy - s * hx + c * hy;
  out[6] = cx - c * hx + s * hy; out[7] = cy - s * hx - c * hy;
}

/**
 * Area of the intersection of two rotated rectangles (footprints), by clipping rectangle A with
 * each edge of rectangle B (both convex and counter-clockwise). Exported for tests.
 */
export function rotatedRectIntersectionArea(
  acx: number, acy: number, adx: number, ady: number, ayaw: number,
  bcx: number, bcy: number, bdx: number, bdy: number, byaw: number,
): number {
  corners(bufA, acx, acy, adx, ady, ayaw);
  corners(clipRect, bcx, bcy, bdx, bdy, byaw);
  let src = bufA, dst = bufB;
  let count = 4;
  for (let e = 0; e < 4 && count > 0; e++) {
    const ex1 = clipRect[2 * e] as number, ey1 = clipRect[2 * e + 1] as number;
    const ex2 = clipRect[(2 * e + 2) % 8] as number, ey2 = clipRect[(2 * e + 3) % 8] as number;
    const ux = ex2 - ex1, uy = ey2 - ey1;
    let out = 0;
    let px = src[2 * (count - 1)] as number, py = src[2 * (count - 1) + 1] as number;
    let pSide = ux * (py - ey1) - uy * (px - ex1); // > 0: left of the edge, i.e. inside
    for (let k = 0; k < count; k++) {
      const qx = src[2 * k] as number, qy = src[2 * k + 1] as number;
      const qSide = ux * (qy - ey1) - uy * (qx - ex1);
      if (qSide >= 0) {
        if (pSide < 0) {
          const t = pSide / (pSide - qSide);
          dst[2 * out] = px + t * (qx - px); dst[2 * out + 1] = py + t * (qy - py); out++;
        }
        dst[2 * out] = qx; dst[2 * out + 1] = qy; out++;
      } else if (pSide >= 0) {
        const t = pSide / (pSide - qSide);
        dst[2 * out] = px + t * (qx - px); dst[2 * out + 1] = py + t * (qy - py); out++;
      }
      px = qx; py = qy; pSide = qSide;
      if (out >= 15) break; // cannot happen for convex quads; keeps writes inside the buffer
    }
    count = out;
    const tmp = src; src = dst; dst = tmp;
  }
  if (count < 3) return 0;
  let twice = 0;
  for (let k = 0; k < count; k++) {
    const n = (k + 1) % count;
    twice += (src[2 * k] as number) * (src[2 * n + 1] as number) - (src[2 * n] as number) * (src[2 * k + 1] as number);
  }
  const area = Math.abs(twice) / 2;
  return Number.isFinite(area) ? area : 0;
}

/**
 * 3D IoU of two boxes, yaw-aware: `V(A∩B) / (V(A) + V(B) − V(A∩B))` with
 * `V(A∩B) = area(footprint A ∩ footprint B) · overlap_z`. In [0, 1]; 0 for invalid boxes (NaN or
 * infinite numbers, a size ≤ 0). Absent yaw means 0; with both yaws 0 this is exactly the
 * axis-aligned IoU, and equal yaws are computed exactly in the boxes' common frame.
 */
export function iou3d(a: Box3DLike, b: Box3DLike): number {
  if (!isValidBox3D(a) || !isValidBox3D(b)) return 0;
  const ya = a.yaw ?? 0, yb = b.yaw ?? 0;
  const ax = a.center[0], ay = a.center[1], az = a.center[2];
  const adx = a.size[0], ady = a.size[1], adz = a.size[2];
  const bx = b.center[0], by = b.center[1], bz = b.center[2];
  const bdx = b.size[0], bdy = b.size[1], bdz = b.size[2];
  if (ya === yb) {
    if (ya === 0) return alignedIoU(ax, ay, az, adx, ady, adz, bx, by, bz, bdx, bdy, bdz);
    // Common frame: rotate B's centre offset by −yaw about A's centre.
    const c = Math.cos(ya), s = Math.sin(ya);
    const ox = bx - ax, oy = by - ay;
    return alignedIoU(0, 0, az, adx, ady, adz, c * ox + s * oy, -s * ox + c * oy, bz, bdx, bdy, bdz);
  }
  const oz = overlap1d(az, adz, bz, bdz);
  if (oz === 0) return 0;
  // Clip in A-centred coordinates: corners then carry the boxes' own scale, not the scene's.
  const area = rotatedRectIntersectionArea(0, 0, adx, ady, ya, bx - ax, by - ay, bdx, bdy, yb);
  if (!(area > 0)) return 0;
  const inter = area * oz;
  const r = inter / (adx * ady * adz + bdx * bdy * bdz - inter);
  return r < 1 ? (r > 0 ? r : 0) : 1;
}
