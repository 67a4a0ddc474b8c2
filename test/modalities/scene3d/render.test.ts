import { describe, expect, it } from 'vitest';
import { boxCorners, insideBox, lookAt, orbitCameras, project, sceneBounds } from '../../../modalities/scene3d/camera.js';
import { projectBox, renderView } from '../../../modalities/scene3d/render.js';
import { renderScene, resolveTargets } from '../../../modalities/scene3d/scene.js';
import { syntheticRoom } from '../../../modalities/scene3d/synthetic.js';
import type { Scene } from '../../../modalities/scene3d/cloud.js';

describe('cameras', () => {
  it('projects with K [R|t] in the OpenCV convention (x right, y down, z forward)', () => {
    const cam = lookAt([0, -10, 0], [0, 0, 0], 200, 100, 90, 0.01);
    // fy = (100/2)/tan(45°) = 50
    expect(cam.K[1][1]).toBeCloseTo(50, 9);
    const c = project(cam, [0, 0, 0]);
    expect(c[0]).toBeCloseTo(100, 9);
    expect(c[1]).toBeCloseTo(50, 9);
    expect(c[2]).toBeCloseTo(10, 9);
    const right = project(cam, [1, 0, 0]); // world +x is image right when looking along +y
    expect(right[0]).toBeCloseTo(105, 9);
    const up = project(cam, [0, 0, 1]); // world up is image up (smaller v)
    expect(up[1]).toBeCloseTo(45, 9);
    // t = −R·C
    const p = cam.position;
    for (let r = 0; r < 3; r++) expect(cam.t[r]).toBeCloseTo(-(cam.R[r]![0] * p[0] + cam.R[r]![1] * p[1] + cam.R[r]![2] * p[2]), 9);
  });

  it('places N orbit cameras evenly in azimuth, all seeing the whole scene', () => {
    const b = sceneBounds(Float32Array.from([-1, -1, 0, 1, 1, 2]));
    const cams = orbitCameras(b, 4, { width: 100, height: 100 });
    expect(cams.map((c) => c.azimuthDeg)).toEqual([-90, 0, 90, -180]);
    for (const c of cams) {
      for (const corner of [[-1, -1, 0], [1, 1, 2], [1, -1, 0], [-1, 1, 2]] as const) {
        const [u, v, d] = project(c, [...corner]);
        expect(d).toBeGreaterThan(0);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(u).toBeLessThanOrEqual(100);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
    }
  });

  it('computes yaw-rotated box corners and containment', () => {
    const b = { center: [0, 0, 0] as [number, number, number], size: [2, 1, 1] as [number, number, number], yaw: Math.PI / 2 };
    const xs = boxCorners(b).map((c) => Math.round(c[0] * 1e9) / 1e9);
    expect(Math.max(...xs)).toBeCloseTo(0.5, 9); // the long side now runs along y
    expect(insideBox(b, 0, 0.9, 0)).toBe(true);
    expect(insideBox(b, 0.9, 0, 0)).toBe(false);
  });
});

describe('renderView', () => {
  it('z-buffers: the nearer point wins its pixel', () => {
    const scene: Scene = { cloud: { positions: Float32Array.from([0, 0, 0, 0, 5, 0]), colors: Uint8Array.from([255, 0, 0, 0, 0, 255]), count: 2 }, boxes: [] };
    // camera at y = −10 looking along +y: the point at y = 0 hides the one at y = 5
    const cam = lookAt([0, -10, 0], [0, 0, 0], 21, 21, 60, 0.01);
    const v = renderView(scene.cloud, [], cam, { pointSize: 1 });
    const o = (10 * 21 + 10) * 3;
    expect(Array.from(v.image.data.subarray(o, o + 3))).toEqual([255, 0, 0]);
    const back = renderView(scene.cloud, [], lookAt([0, 15, 0], [0, 0, 0], 21, 21, 60, 0.01), { pointSize: 1 });
    expect(back.image.data[o + 2]).toBeGreaterThan(100); // seen from behind, blue wins
    expect(back.image.data[o]).toBe(0);
  });

  it('projects boxes to 2D, clipped to the image, and null when behind the camera', () => {
    const cam = lookAt([0, -10, 0], [0, 0, 0], 100, 100, 60, 0.01);
    const b = projectBox(cam, { center: [0, 0, 0], size: [2, 2, 2], label: 'cube' }, 0);
    expect(b.bbox).not.toBeNull();
    const [x1, y1, x2, y2] = b.bbox!;
    expect((x1 + x2) / 2).toBeCloseTo(50, 6);
    expect((y1 + y2) / 2).toBeCloseTo(50, 6);
    expect(b.label).toBe('cube');
    expect(b.areaShare).toBeGreaterThan(0);
    expect(projectBox(cam, { center: [0, -20, 0], size: [1, 1, 1] }, 1).bbox).toBeNull();
    const straddling = projectBox(cam, { center: [0, -10, 0], size: [4, 4, 4] }, 2); // contains the camera
    expect(straddling.bbox).toEqual([0, 0, 100, 100]);
    expect(straddling.corners.some((c) => c === null)).toBe(true);
  });
});

describe('renderScene', () => {
  const room = syntheticRoom(30_000);

  it('renders N views with cameras, projected boxes and a ranking; deterministic', () => {
    const a = renderScene(room, { views: 6, width: 128, height: 96 });
    expect(a.views.length).toBe(6);
    for (const v of a.views) {
      expect(v.image.data.length).toBe(128 * 96 * 3);
      expect(v.boxes2d.length).toBe(3);
      expect(v.camera.K[0][2]).toBe(64);
    }
    expect(a.ranking.length).toBe(6);
    for (let k = 1; k < 6; k++) expect(a.ranking[k - 1]!.score).toBeGreaterThanOrEqual(a.ranking[k]!.score);
    const b = renderScene(room, { views: 6, width: 128, height: 96 });
    expect(Buffer.from(b.views[3]!.image.data).equals(Buffer.from(a.views[3]!.image.data))).toBe(true);
  });

  it('ranks views that look through a wall below views that see the target', () => {
    // view k has azimuth −90 + 90k: view 2 (azimuth 90) looks from behind the wall y = 3
    const r = renderScene(room, { views: 4, width: 160, height: 160, targets: ['table'] });
    const byView = new Map(r.ranking.map((s) => [s.view, s]));
    expect(byView.get(0)!.targets[0]!.visible).toBeGreaterThan(0.5);
    expect(byView.get(2)!.targets[0]!.visible).toBeLessThan(byView.get(0)!.targets[0]!.visible / 2);
    expect(r.ranking[r.ranking.length - 1]!.view).toBe(2);
    // the score is visible × area share
    const s = byView.get(0)!.targets[0]!;
    expect(s.score).toBeCloseTo(s.visible * s.areaShare, 12);
  });

  it('handles scenes without boxes, single points and NaN coordinates', () => {
    expect(renderScene({ cloud: room.cloud, boxes: [] }, { views: 2, width: 32, height: 32 }).ranking).toEqual([]);
    const one: Scene = { cloud: { positions: Float32Array.from([1, 1, 1, Number.NaN, 0, 0]), colors: null, count: 2 }, boxes: [] };
    const r = renderScene(one, { views: 3, width: 16, height: 16 });
    expect(r.views.length).toBe(3);
    const empty: Scene = { cloud: { positions: new Float32Array(0), colors: null, count: 0 }, boxes: [] };
    expect(renderScene(empty, { views: 1, width: 8, height: 8 }).views[0]!.image.data.every((v) => v === 255)).toBe(true);
  });

  it('refuses bad view counts, sizes and unknown targets', () => {
    expect(() => renderScene(room, { views: 0 })).toThrow(/views/);
    expect(() => renderScene(room, { views: 1000 })).toThrow(/views/);
    expect(() => renderScene(room, { width: 100000 })).toThrow(/size/);
    expect(() => resolveTargets(room.boxes, ['sofa'])).toThrow(/labels: table, cabinet, ball/);
    expect(() => resolveTargets(room.boxes, [7])).toThrow(/no such box/);
    expect(resolveTargets(room.boxes, ['ball', 0])).toEqual([0, 2]);
  });
});
