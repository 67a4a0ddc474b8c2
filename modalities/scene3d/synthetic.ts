/**
 * A deterministic synthetic room for tests, benchmarks and demos: floor, two walls, a table, a
 * cabinet and a ball, with labelled Box3Ds, any number of points; and a PLY writer (ascii or
 * binary little-endian) for round trips.
 */
import type { Box3D } from '../../data/schema.js';
import type { PointCloud, Scene } from './cloud.js';

/** mulberry32: a small seeded PRNG (deterministic across machines). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The synthetic room with `count` points (seeded). */
export function syntheticRoom(count = 20_000, seed = 7): Scene {
  const r = rng(seed);
  const positions = new Float32Array(count * 3);
  const colors = new Uint8Array(count * 3);
  const boxes: Box3D[] = [
    { center: [1, 0.5, 0.4], size: [1.2, 0.8, 0.8], yaw: 0.3, label: 'table' },
    { center: [-2.4, 2.4, 0.9], size: [0.8, 0.8, 1.8], label: 'cabinet' },
    { center: [-1, -1.5, 0.3], size: [0.6, 0.6, 0.6], label: 'ball' },
  ];
  const put = (i: number, x: number, y: number, z: number, c: [number, number, number]) => {
    positions[i * 3] = x;
    positions[i * 3 + 1] = y;
    positions[i * 3 + 2] = z;
    const j = (r() - 0.5) * 20;
    colors[i * 3] = Math.max(0, Math.min(255, c[0] + j));
    colors[i * 3 + 1] = Math.max(0, Math.min(255, c[1] + j));
    colors[i * 3 + 2] = Math.max(0, Math.min(255, c[2] + j));
  };
  for (let i = 0; i < count; i++) {
    const k = r();
    if (k < 0.4) put(i, -3 + 6 * r(), -3 + 6 * r(), 0, [170, 160, 150]); // floor
    else if (k < 0.55) put(i, -3, -3 + 6 * r(), 2.5 * r(), [225, 215, 190]); // wall x = -3
    else if (k < 0.7) put(i, -3 + 6 * r(), 3, 2.5 * r(), [205, 210, 225]); // wall y = 3
    else if (k < 0.82) {
      // table: top and four legs, rotated by its yaw
      const b = boxes[0]!;
      const c = Math.cos(b.yaw!);
      const s = Math.sin(b.yaw!);
      let lx: number;
      let ly: number;
      let z: number;
      if (r() < 0.7) {
        lx = (r() - 0.5) * b.size[0];
        ly = (r() - 0.5) * b.size[1];
        z = b.size[2];
      } else {
        lx = (r() < 0.5 ? -1 : 1) * (b.size[0] / 2 - 0.05);
        ly = (r() < 0.5 ? -1 : 1) * (b.size[1] / 2 - 0.05);
        z = r() * b.size[2];
      }
      put(i, b.center[0] + c * lx - s * ly, b.center[1] + s * lx + c * ly, z, [140, 90, 50]);
    } else if (k < 0.92) {
      // cabinet: the surface of its box
      const b = boxes[1]!;
      const face = Math.floor(r() * 5);
      let u = (r() - 0.5) * b.size[0];
      let v = (r() - 0.5) * b.size[1];
      let w = r() * b.size[2];
      if (face === 0) u = b.size[0] / 2;
      else if (face === 1) u = -b.size[0] / 2;
      else if (face === 2) v = b.size[1] / 2;
      else if (face === 3) v = -b.size[1] / 2;
      else w = b.size[2];
      put(i, b.center[0] + u, b.center[1] + v, w, [60, 110, 160]);
    } else {
      // ball
      const b = boxes[2]!;
      const th = 2 * Math.PI * r();
      const ph = Math.acos(2 * r() - 1);
      const R = b.size[0] / 2;
      put(i, b.center[0] + R * Math.sin(ph) * Math.cos(th), b.center[1] + R * Math.sin(ph) * Math.sin(th), b.center[2] + R * Math.cos(ph), [210, 40, 40]);
    }
  }
  return { cloud: { positions, colors, count }, boxes };
}

/** Writes a PLY file (x, y, z as float; red, green, blue as uchar when the cloud has colours). */
export function encodePly(cloud: PointCloud, format: 'ascii' | 'binary_little_endian' = 'binary_little_endian'): Uint8Array {
  const props = ['property float x', 'property float y', 'property float z', ...(cloud.colors ? ['property uchar red', 'property uchar green', 'property uchar blue'] : [])];
  const header = `ply\nformat ${format} 1.0\ncomment glimpse synthetic\nelement vertex ${cloud.count}\n${props.join('\n')}\nend_header\n`;
  const head = Buffer.from(header, 'latin1');
  const c = cloud.colors;
  if (format === 'ascii') {
    const rows: string[] = [];
    for (let i = 0; i < cloud.count; i++) {
      const p = cloud.positions;
      rows.push(`${p[i * 3]} ${p[i * 3 + 1]} ${p[i * 3 + 2]}${c ? ` ${c[i * 3]} ${c[i * 3 + 1]} ${c[i * 3 + 2]}` : ''}`);
    }
    return new Uint8Array(Buffer.concat([head, Buffer.from(`${rows.join('\n')}\n`, 'latin1')]));
  }
  const stride = 12 + (c ? 3 : 0);
  const body = Buffer.alloc(cloud.count * stride);
  for (let i = 0; i < cloud.count; i++) {
    body.writeFloatLE(cloud.positions[i * 3]!, i * stride);
    body.writeFloatLE(cloud.positions[i * 3 + 1]!, i * stride + 4);
    body.writeFloatLE(cloud.positions[i * 3 + 2]!, i * stride + 8);
    if (c) {
      body[i * stride + 12] = c[i * 3]!;
      body[i * stride + 13] = c[i * 3 + 1]!;
      body[i * stride + 14] = c[i * 3 + 2]!;
    }
  }
  return new Uint8Array(Buffer.concat([head, body]));
}
