import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePly } from '../../../modalities/scene3d/ply.js';
import { SceneLimitsSchema } from '../../../modalities/scene3d/cloud.js';
import { readScene } from '../../../modalities/scene3d/scene.js';
import { encodePly, syntheticRoom } from '../../../modalities/scene3d/synthetic.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { codeOf } from '../../helpers/errors.js';

const limits = SceneLimitsSchema.parse({});
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));


describe('parsePly', () => {
  const room = syntheticRoom(500);

  it('round-trips binary little-endian and ascii with colours', () => {
    for (const format of ['binary_little_endian', 'ascii'] as const) {
      const c = parsePly(encodePly(room.cloud, format), 'room.ply', limits);
      expect(c.count).toBe(500);
      for (let i = 0; i < 1500; i++) expect(c.positions[i]).toBeCloseTo(room.cloud.positions[i]!, 5);
      expect(Buffer.from(c.colors!).equals(Buffer.from(room.cloud.colors!))).toBe(true);
    }
  });

  it('reads other property types, float colours, and skips elements before the vertices', () => {
    const head = 'ply\nformat binary_little_endian 1.0\nelement camera 1\nproperty list uchar int ids\nelement vertex 2\nproperty double x\nproperty double y\nproperty double z\nproperty float r\nproperty float g\nproperty float b\nproperty int extra\nend_header\n';
    const body = Buffer.alloc(1 + 2 * 4 + 2 * (24 + 12 + 4));
    body[0] = 2; // list of two ints
    let o = 9;
    for (const [x, y, z, r] of [[1, 2, 3, 1], [4, 5, 6, 0.5]] as const) {
      body.writeDoubleLE(x, o);
      body.writeDoubleLE(y, o + 8);
      body.writeDoubleLE(z, o + 16);
      body.writeFloatLE(r, o + 24);
      body.writeFloatLE(0, o + 28);
      body.writeFloatLE(1, o + 32);
      o += 40;
    }
    const c = parsePly(new Uint8Array(Buffer.concat([Buffer.from(head, 'latin1'), body])), 'x.ply', limits);
    expect(Array.from(c.positions)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(c.colors!)).toEqual([255, 0, 255, 128, 0, 255]);
    const ascii = parsePly(enc('ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 1 1\n3 0 1 1\n'), 'a.ply', limits);
    expect(ascii.count).toBe(2);
    expect(ascii.colors).toBeNull();
  });

  it('refuses corrupt headers, lying vertex counts and absurd sizes', () => {
    const ok = 'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n';
    expect(codeOf(() => parsePly(enc(ok), 'ok.ply', limits))).toBe('ok');
    expect(codeOf(() => parsePly(enc('plx\n'), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc('ply\nformat ascii 1.0\nelement vertex 1\n'), 'a.ply', limits))).toBe('corrupt'); // no end_header
    expect(codeOf(() => parsePly(enc(ok.replace('ascii', 'binary_big_endian')), 'a.ply', limits))).toBe('unsupported');
    expect(codeOf(() => parsePly(enc(ok.replace('ascii', 'weird')), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc(ok.replace('property float z\n', '')), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc(ok.replace('vertex 1', 'vertex -1')), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc(ok.replace('vertex 1', 'vertex 1e9')), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc(ok.replace('property float x', 'property quaternion x')), 'a.ply', limits))).toBe('corrupt');
    expect(codeOf(() => parsePly(enc(ok.replace('vertex 1', 'vertex 5')), 'a.ply', limits))).toBe('corrupt'); // lying count, ascii
    expect(codeOf(() => parsePly(enc(ok.replace('vertex 1', 'vertex 99999999999')), 'a.ply', limits))).toBe('too_large');
    // binary: the header claims 10 million points, the file holds 500
    const lying = Buffer.from(encodePly(room.cloud)).toString('latin1').replace('vertex 500', 'vertex 10000000');
    const e = (() => {
      try {
        parsePly(enc(lying), 'liar.ply', limits);
      } catch (err) {
        return err as Error & { code: string };
      }
      return null;
    })();
    expect(e?.code).toBe('corrupt');
    expect(e?.message).toMatch(/^liar\.ply: PLY declares 10000000 vertices/);
    expect(codeOf(() => parsePly(encodePly(room.cloud), 'a.ply', SceneLimitsSchema.parse({ maxPoints: 100 })))).toBe('too_large');
  });

  it('never throws anything but a GlimpseError on mangled files', () => {
    const good = encodePly(syntheticRoom(20).cloud);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length }), fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), (cut, flips) => {
        const bytes = good.slice(0, cut);
        for (const [i, v] of flips) if (i < bytes.length) bytes[i] = v;
        try {
          const c = readScene(bytes, 'm.ply');
          expect(c.cloud.positions.length).toBe(c.cloud.count * 3);
        } catch (e) {
          expect(isGlimpseError(e)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('readScene (JSON)', () => {
  it('reads points with and without colours, xyz/rgb arrays and boxes', () => {
    const a = readScene(enc(JSON.stringify({ points: [[0, 0, 0, 255, 0, 0], [1, 1, 1, 0, 255, 0]], boxes: [{ center: [0, 0, 0], size: [1, 1, 1], label: 'cube' }] })), 's.json');
    expect(a.cloud.count).toBe(2);
    expect(Array.from(a.cloud.colors!)).toEqual([255, 0, 0, 0, 255, 0]);
    expect(a.boxes[0]!.label).toBe('cube');
    const b = readScene(enc(JSON.stringify({ xyz: [0, 0, 0, 1, 2, 3], rgb: [1, 2, 3, 4, 5, 6] })), 's.json');
    expect(Array.from(b.cloud.positions)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(readScene(enc('{"points": [[1, 2, 3]]}'), 's.json').cloud.colors).toBeNull();
  });

  it('refuses malformed scenes', () => {
    const bad = ['', '[]', '{"points": [[1, 2]]}', '{"xyz": [1, 2]}', '{"xyz": [1, "a", 3]}', '{"points": [[0,0,0]], "boxes": [{"center": [0,0], "size": [1,1,1]}]}', '{"points": [[0,0,0]], "boxes": [{"center": [0,0,0], "size": [-1,1,1]}]}', '{"xyz": [0,0,0], "rgb": [1]}', '{"points": [[0, 0, 0]', 'hello'];
    for (const s of bad) expect(codeOf(() => readScene(enc(s), 's.json'))).toBe('corrupt');
    expect(codeOf(() => readScene(enc('{"xyz": [0,0,0,1,1,1]}'), 's.json', { maxPoints: 1 }))).toBe('too_large');
  });
});
