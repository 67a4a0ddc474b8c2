/**
 * Pinhole cameras around a scene, in the OpenCV convention: camera x right, y down, z forward;
 * world z up. A world point X maps to camera coordinates Xc = R·X + t and to the pixel
 * (u, v) = (fx·Xc/Zc + cx, fy·Yc/Zc + cy), pixel (0, 0) being the top-left corner of the image
 * (pixel i covers [i, i+1)). `K` (intrinsics) and `[R | t]` (extrinsics, world -> camera) are
 * what ScanNet / 3D-R1 style pipelines store per view.
 *
 * Orbit views: N cameras evenly spaced in azimuth on a circle around the scene centre, raised by
 * `elevationDeg`, looking at the centre, at a distance where the scene's bounding sphere fits
 * the vertical field of view.
 */
import type { Box3D } from '../../data/schema.js';

export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];

export interface Camera {
  width: number;
  height: number;
  /** Intrinsics [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] in pixels. */
  K: Mat3;
  /** Rotation world -> camera (rows: camera x, y, z axes in world coordinates). */
  R: Mat3;
  /** Translation world -> camera (= −R·position). */
  t: Vec3;
  /** Camera centre in world coordinates. */
  position: Vec3;
  /** The point looked at. */
  target: Vec3;
  /** Azimuth of the camera around the target (degrees, 0 = +x, counter-clockwise seen from above). */
  azimuthDeg: number;
  elevationDeg: number;
  /** Vertical field of view in degrees. */
  fovDeg: number;
  /** Near clipping distance (scene units). */
  near: number;
}

export interface SceneBounds {
  min: Vec3;
  max: Vec3;
  center: Vec3;
  /** Radius of the bounding sphere around `center` (half the box diagonal). */
  radius: number;
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a: Vec3): Vec3 => {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
};

/** Axis-aligned bounds of the finite points (and of the boxes' corners). */
export function sceneBounds(positions: Float32Array, boxes: Box3D[] = []): SceneBounds {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  const add = (x: number, y: number, z: number) => {
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) return;
    if (x < min[0]) min[0] = x;
    if (y < min[1]) min[1] = y;
    if (z < min[2]) min[2] = z;
    if (x > max[0]) max[0] = x;
    if (y > max[1]) max[1] = y;
    if (z > max[2]) max[2] = z;
  };
  for (let i = 0; i < positions.length; i += 3) add(positions[i]!, positions[i + 1]!, positions[i + 2]!);
  for (const b of boxes) for (const c of boxCorners(b)) add(c[0], c[1], c[2]);
  if (!(min[0] <= max[0])) return { min: [-1, -1, -1], max: [1, 1, 1], center: [0, 0, 0], radius: Math.sqrt(3) };
  const center: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const radius = Math.max(1e-6, Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) / 2);
  return { min, max, center, radius };
}

/** A camera at `position` looking at `target`, world z up (falls back to y up when looking straight down). */
export function lookAt(position: Vec3, target: Vec3, width: number, height: number, fovDeg: number, near: number): Camera {
  const zc = norm(sub(target, position));
  let up: Vec3 = [0, 0, 1];
  if (Math.abs(zc[2]) > 0.999) up = [0, 1, 0];
  // camera x = forward × up (right), camera y = forward × x (down)
  const xc = norm(cross(zc, up));
  const yc = cross(zc, xc);
  const R: Mat3 = [xc, yc, zc];
  const t: Vec3 = [-(xc[0] * position[0] + xc[1] * position[1] + xc[2] * position[2]), -(yc[0] * position[0] + yc[1] * position[1] + yc[2] * position[2]), -(zc[0] * position[0] + zc[1] * position[1] + zc[2] * position[2])];
  const f = height / 2 / Math.tan((fovDeg * Math.PI) / 360);
  const K: Mat3 = [
    [f, 0, width / 2],
    [0, f, height / 2],
    [0, 0, 1],
  ];
  const d = sub(position, target);
  const azimuthDeg = (Math.atan2(d[1], d[0]) * 180) / Math.PI;
  const elevationDeg = (Math.atan2(d[2], Math.hypot(d[0], d[1])) * 180) / Math.PI;
  return { width, height, K, R, t, position, target, azimuthDeg, elevationDeg, fovDeg, near };
}

/**
 * `n` orbit cameras (see the module comment), the first at `azimuthDeg0` (default −90°: looking
 * along +y from the −y side), then counter-clockwise.
 */
export function orbitCameras(bounds: SceneBounds, n: number, opts: { width: number; height: number; elevationDeg?: number; fovDeg?: number; azimuthDeg0?: number; margin?: number }): Camera[] {
  const el = opts.elevationDeg ?? 30;
  const fov = opts.fovDeg ?? 60;
  const az0 = opts.azimuthDeg0 ?? -90;
  const margin = opts.margin ?? 1.05;
  // the bounding sphere fits the narrower of the two fields of view
  const half = (Math.min(fov, (2 * Math.atan((Math.tan((fov * Math.PI) / 360) * opts.width) / opts.height) * 180) / Math.PI) * Math.PI) / 360;
  const dist = (bounds.radius * margin) / Math.sin(half);
  const cams: Camera[] = [];
  for (let k = 0; k < n; k++) {
    const az = az0 + (360 * k) / n;
    const a = (az * Math.PI) / 180;
    const e = (el * Math.PI) / 180;
    const c = bounds.center;
    const position: Vec3 = [c[0] + dist * Math.cos(e) * Math.cos(a), c[1] + dist * Math.cos(e) * Math.sin(a), c[2] + dist * Math.sin(e)];
    const cam = lookAt(position, c, opts.width, opts.height, fov, dist * 1e-3);
    // exact values (not re-derived from the rounded position)
    cams.push({ ...cam, azimuthDeg: ((az % 360) + 540) % 360 - 180, elevationDeg: el });
  }
  return cams;
}

/** World point -> [u, v, depth] (depth = Zc; u, v meaningless when depth ≤ near). */
export function project(cam: Camera, p: Vec3): Vec3 {
  const { R, t, K } = cam;
  const x = R[0][0] * p[0] + R[0][1] * p[1] + R[0][2] * p[2] + t[0];
  const y = R[1][0] * p[0] + R[1][1] * p[1] + R[1][2] * p[2] + t[1];
  const z = R[2][0] * p[0] + R[2][1] * p[1] + R[2][2] * p[2] + t[2];
  return [(K[0][0] * x) / z + K[0][2], (K[1][1] * y) / z + K[1][2], z];
}

/** World point -> camera coordinates. */
export function toCamera(cam: Camera, p: Vec3): Vec3 {
  const { R, t } = cam;
  return [R[0][0] * p[0] + R[0][1] * p[1] + R[0][2] * p[2] + t[0], R[1][0] * p[0] + R[1][1] * p[1] + R[1][2] * p[2] + t[1], R[2][0] * p[0] + R[2][1] * p[1] + R[2][2] * p[2] + t[2]];
}

/**
 * The 8 corners of a Box3D (yaw rotates about z, counter-clockwise seen from above), ordered
 * bottom face (z−) then top face (z+), each counter-clockwise from (−x, −y) in the box frame.
 */
export function boxCorners(b: Box3D): Vec3[] {
  const [cx, cy, cz] = b.center;
  const [sx, sy, sz] = b.size;
  const c = Math.cos(b.yaw ?? 0);
  const s = Math.sin(b.yaw ?? 0);
  const local: Array<[number, number]> = [
    [-sx / 2, -sy / 2],
    [sx / 2, -sy / 2],
    [sx / 2, sy / 2],
    [-sx / 2, sy / 2],
  ];
  const out: Vec3[] = [];
  for (const dz of [-sz / 2, sz / 2]) for (const [lx, ly] of local) out.push([cx + c * lx - s * ly, cy + s * lx + c * ly, cz + dz]);
  return out;
}

/** The 12 edges of a box as corner index pairs (see boxCorners). */
export const BOX_EDGES: ReadonlyArray<[number, number]> = [
  [0, 1], [1, 2], [2, 3], [3, 0],
  [4, 5], [5, 6], [6, 7], [7, 4],
  [0, 4], [1, 5], [2, 6], [3, 7],
];

/** True when world point (x, y, z) lies inside box `b` (yaw-aware). */
export function insideBox(b: Box3D, x: number, y: number, z: number): boolean {
  const dx = x - b.center[0];
  const dy = y - b.center[1];
  const dz = z - b.center[2];
  const c = Math.cos(-(b.yaw ?? 0));
  const s = Math.sin(-(b.yaw ?? 0));
  const lx = c * dx - s * dy;
  const ly = s * dx + c * dy;
  return Math.abs(lx) <= b.size[0] / 2 && Math.abs(ly) <= b.size[1] / 2 && Math.abs(dz) <= b.size[2] / 2;
}
