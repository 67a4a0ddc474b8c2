import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdapterConformance } from '../../conformance/adapters.js';
import { scene3dAdapter } from '../../../modalities/scene3d/adapter.js';
import { encodePly, syntheticRoom } from '../../../modalities/scene3d/synthetic.js';
import { getAdapter } from '../../../modalities/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-scene-'));
const room = syntheticRoom(5000);
const ply = join(dir, 'room.ply');
writeFileSync(ply, encodePly(room.cloud));
const json = JSON.stringify({ points: [[0, 0, 0, 255, 0, 0], [1, 0, 0, 0, 255, 0], [0, 1, 1, 0, 0, 255]], boxes: [{ center: [0.5, 0.5, 0.5], size: [1, 1, 1], label: 'thing' }] });

runAdapterConformance('scene3d', {
  adapter: scene3dAdapter,
  options: { views: 3, size: [64, 48] },
  validMedia: () => [
    { kind: 'scene3d', path: ply, meta: { boxes: room.boxes } },
    { kind: 'scene3d', data: json },
    { kind: 'scene3d', data: `base64:${Buffer.from(encodePly(room.cloud, 'ascii')).toString('base64')}` },
  ],
  tooLarge: () => ({ media: { kind: 'scene3d', path: ply }, options: { limits: { maxPoints: 100 } } }),
  hostileMedia: () => {
    const lying = join(dir, 'lying.ply');
    writeFileSync(lying, Buffer.from(Buffer.from(encodePly(room.cloud)).toString('latin1').replace('vertex 5000', 'vertex 40000000'), 'latin1'));
    const absurd = join(dir, 'absurd.ply');
    writeFileSync(absurd, Buffer.from(Buffer.from(encodePly(room.cloud)).toString('latin1').replace('vertex 5000', 'vertex 4000000000'), 'latin1'));
    const truncated = join(dir, 'truncated.ply');
    writeFileSync(truncated, encodePly(room.cloud).slice(0, 3000));
    const header = join(dir, 'header.ply');
    writeFileSync(header, 'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nend_header\n1\n2\n3\n');
    return [
      { name: 'lying vertex count', media: { kind: 'scene3d', path: lying }, codes: ['corrupt'] },
      { name: 'absurd vertex count', media: { kind: 'scene3d', path: absurd }, codes: ['too_large'] },
      { name: 'truncated binary body', media: { kind: 'scene3d', path: truncated }, codes: ['corrupt'] },
      { name: 'header without y, z', media: { kind: 'scene3d', path: header }, codes: ['corrupt'] },
      { name: 'bad boxes in meta', media: { kind: 'scene3d', path: ply, meta: { boxes: [{ center: [0] }] } }, codes: ['corrupt'] },
      { name: 'unknown target', media: { kind: 'scene3d', path: ply, meta: { boxes: room.boxes } }, codes: ['bad_config'], options: { targets: ['sofa'] } },
      { name: 'keep without boxes', media: { kind: 'scene3d', data: '{"points": [[0,0,0]]}' }, codes: ['bad_config'], options: { keep: 1 } },
      { name: 'absurd view count', media: { kind: 'scene3d', data: json }, codes: ['bad_config'], options: { views: 100000 } },
      { name: 'unicode junk', media: { kind: 'scene3d', data: '🎉'.repeat(100) }, codes: ['corrupt'] },
    ];
  },
});

describe('scene3d adapter', () => {
  it('is registered under "scene3d"', () => {
    expect(getAdapter('scene3d')).toBe(scene3dAdapter);
  });

  it('keeps the best-ranked views, with cameras, projected boxes and per-view maps', async () => {
    const p = await scene3dAdapter.prepare({ kind: 'scene3d', path: ply }, { views: 6, size: [96, 96], boxes: room.boxes, targets: ['table'], keep: 2 });
    expect(p.images.length).toBe(2);
    expect(p.perImageCoords!.length).toBe(2);
    const meta = p.meta as { views: number[]; ranking: Array<{ view: number }>; cameras: Array<{ K: number[][] }>; boxes2d: unknown[][] };
    expect(meta.views).toEqual([meta.ranking[0]!.view, meta.ranking[1]!.view]);
    expect(meta.cameras[0]!.K[0]![2]).toBe(48);
    expect(meta.boxes2d[0]!.length).toBe(3);
    expect(p.text.split('\n').length).toBe(2);
    expect(p.text).toMatch(/^View 1 \(azimuth -?\d+°, elevation 30°\): <image>/);
  });
});
