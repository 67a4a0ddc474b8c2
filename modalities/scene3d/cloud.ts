/**
 * Point clouds and the scene file formats: PLY (ascii, binary little-endian) and JSON
 * (`{"points": [[x, y, z], [x, y, z, r, g, b], …]}` or `{"xyz": [x0, y0, z0, x1, …], "rgb"?: [r0, g0, b0, …]}`,
 * colours 0–255, optional `"boxes": Box3D[]`). Scene units are whatever the file uses (metres in
 * ScanNet); z is up.
 */
import { z } from 'zod';
import { Box3DSchema, formatZodError, type Box3D } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';

export interface PointCloud {
  /** xyz per point, `3 × count` floats, scene units. */
  positions: Float32Array;
  /** rgb per point (`3 × count` bytes), or null when the file has no colours. */
  colors: Uint8Array | null;
  count: number;
}

export interface Scene {
  cloud: PointCloud;
  /** Labelled 3D boxes from the file (JSON `boxes`), if any. */
  boxes: Box3D[];
}

export const SceneLimitsSchema = z.object({
  maxBytes: z.number().int().positive().default(1024 * 2 ** 20).describe('largest scene file, in bytes (1 GiB)'),
  maxPoints: z.number().int().positive().default(50_000_000).describe('most points in one cloud (a ScanNet scan has ~0.1–1.5 M)'),
  maxBoxes: z.number().int().positive().default(10_000).describe('most 3D boxes'),
});
export type SceneLimits = z.infer<typeof SceneLimitsSchema>;

function fail(code: string, name: string, cause: string): never {
  throw new GlimpseError(code, `${name}: ${cause}`);
}

/** Validates a list of boxes (Box3D: center, size ≥ 0, optional yaw and label). */
export function parseBoxes3D(v: unknown, name: string, limits: SceneLimits): Box3D[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('corrupt', name, '"boxes" is not an array');
  if (v.length > limits.maxBoxes) fail('too_large', name, `${v.length} boxes (limit ${limits.maxBoxes})`);
  return v.map((b, i) => {
    const r = Box3DSchema.safeParse(b);
    if (!r.success) fail('corrupt', name, `boxes[${i}]: ${formatZodError(r.error)}`);
    if (r.data.size.some((s) => s < 0)) fail('corrupt', name, `boxes[${i}]: negative size`);
    return r.data;
  });
}

/** Parses the JSON scene format (see the module comment). */
export function parseSceneJson(text: string, name: string, limits: SceneLimits): Scene {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    fail('corrupt', name, `invalid JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail('corrupt', name, 'scene JSON must be an object with "points" or "xyz"');
  const o = v as Record<string, unknown>;
  let positions: Float32Array;
  let colors: Uint8Array | null = null;
  if (Array.isArray(o.points)) {
    const pts = o.points as unknown[];
    if (pts.length > limits.maxPoints) fail('too_large', name, `${pts.length} points (limit ${limits.maxPoints})`);
    positions = new Float32Array(pts.length * 3);
    const withColor = pts.length > 0 && Array.isArray(pts[0]) && (pts[0] as unknown[]).length >= 6;
    if (withColor) colors = new Uint8Array(pts.length * 3);
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      if (!Array.isArray(p) || p.length < 3 || (withColor && p.length < 6)) fail('corrupt', name, `points[${i}] is not [x, y, z${withColor ? ', r, g, b' : ''}]`);
      for (let k = 0; k < 3; k++) {
        const c = p[k];
        if (typeof c !== 'number') fail('corrupt', name, `points[${i}][${k}] is not a number`);
        positions[i * 3 + k] = c;
      }
      if (colors) for (let k = 0; k < 3; k++) colors[i * 3 + k] = Math.max(0, Math.min(255, Math.round(Number(p[3 + k]) || 0)));
    }
  } else if (Array.isArray(o.xyz)) {
    const xyz = o.xyz as unknown[];
    if (xyz.length % 3 !== 0) fail('corrupt', name, `"xyz" has ${xyz.length} numbers, not a multiple of 3`);
    if (xyz.length / 3 > limits.maxPoints) fail('too_large', name, `${xyz.length / 3} points (limit ${limits.maxPoints})`);
    positions = new Float32Array(xyz.length);
    for (let i = 0; i < xyz.length; i++) {
      if (typeof xyz[i] !== 'number') fail('corrupt', name, `xyz[${i}] is not a number`);
      positions[i] = xyz[i] as number;
    }
    if (o.rgb !== undefined) {
      if (!Array.isArray(o.rgb) || o.rgb.length !== xyz.length) fail('corrupt', name, `"rgb" must have as many numbers as "xyz" (${xyz.length})`);
      colors = Uint8Array.from(o.rgb as unknown[], (c) => Math.max(0, Math.min(255, Math.round(Number(c) || 0))));
    }
  } else fail('corrupt', name, 'scene JSON has neither "points" nor "xyz"');
  return { cloud: { positions, colors, count: positions.length / 3 }, boxes: parseBoxes3D(o.boxes, name, limits) };
}
