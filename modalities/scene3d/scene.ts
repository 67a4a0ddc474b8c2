/**
 * Reads a scene (PLY or JSON bytes) and renders N orbit views with camera parameters, projected
 * boxes and a view ranking. The pure core of the scene3d adapter and `glimpse render scene`.
 *
 * @example
 *   const scene = readScene(bytes, 'room.ply');
 *   const r = renderScene(scene, { views: 6, width: 448, height: 448 });
 *   r.views[0].image;            // RGB
 *   r.views[0].camera.K;         // intrinsics
 *   r.ranking[0].view;           // the view that best shows the boxes
 */
import type { Box3D } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import type { RgbImage } from '../types.js';
import { orbitCameras, sceneBounds, type Camera, type SceneBounds } from './camera.js';
import { parseSceneJson, SceneLimitsSchema, type Scene, type SceneLimits } from './cloud.js';
import { looksLikePly, parsePly } from './ply.js';
import { renderView, type Box2D } from './render.js';
import { pointsInBoxes, rankViews, type ViewScore } from './select.js';

/** Parses PLY (by its magic) or JSON scene bytes. */
export function readScene(bytes: Uint8Array, name: string, limits: Partial<SceneLimits> = {}): Scene {
  const l = SceneLimitsSchema.parse(limits);
  if (bytes.length > l.maxBytes) throw new GlimpseError('too_large', `${name}: ${bytes.length} bytes exceeds the limit of ${l.maxBytes} bytes`);
  if (bytes.length === 0) throw new GlimpseError('corrupt', `${name}: empty scene file`);
  if (looksLikePly(bytes)) return { cloud: parsePly(bytes, name, l), boxes: [] };
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (bytes[i] !== 0x7b) throw new GlimpseError('corrupt', `${name}: not a PLY file or a JSON scene object`);
  return parseSceneJson(new TextDecoder('utf-8').decode(bytes), name, l);
}

export interface SceneRenderOptions {
  views?: number;
  width?: number;
  height?: number;
  elevationDeg?: number;
  fovDeg?: number;
  azimuthDeg0?: number;
  pointSize?: number;
  /** Boxes to draw and project (default: the scene's own). */
  boxes?: Box3D[];
  /** Target boxes for view ranking: labels or indices into `boxes` (default: all boxes). */
  targets?: Array<string | number>;
  drawBoxes?: boolean;
}

export interface SceneView {
  image: RgbImage;
  camera: Camera;
  boxes2d: Box2D[];
  pointsInView: number;
}

export interface SceneRender {
  views: SceneView[];
  bounds: SceneBounds;
  boxes: Box3D[];
  /** Views ranked best first (see select.ts for the score); empty when there are no boxes. */
  ranking: ViewScore[];
}

/** Resolves target labels/indices to box indices; GlimpseError('bad_config') for unknown ones. */
export function resolveTargets(boxes: Box3D[], targets: Array<string | number> | undefined): number[] {
  if (!targets) return boxes.map((_, i) => i).slice(0, 256);
  const out = new Set<number>();
  for (const t of targets) {
    if (typeof t === 'number') {
      if (!Number.isInteger(t) || t < 0 || t >= boxes.length) throw new GlimpseError('bad_config', `target ${t}: no such box (there are ${boxes.length})`);
      out.add(t);
    } else {
      const hits = boxes.flatMap((b, i) => (b.label === t ? [i] : []));
      if (hits.length === 0) throw new GlimpseError('bad_config', `target "${t}": no box with that label (labels: ${[...new Set(boxes.map((b) => b.label).filter(Boolean))].join(', ') || 'none'})`);
      for (const h of hits) out.add(h);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** Renders the views; see the module comment. */
export function renderScene(scene: Scene, opts: SceneRenderOptions = {}): SceneRender {
  const n = opts.views ?? 6;
  const W = opts.width ?? 448;
  const H = opts.height ?? 448;
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new GlimpseError('bad_config', `views must be an integer in 1..64, got ${n}`);
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 8 || H < 8 || W > 4096 || H > 4096) throw new GlimpseError('bad_config', `view size must be integers in 8..4096, got ${W}x${H}`);
  const boxes = opts.boxes ?? scene.boxes;
  const bounds = sceneBounds(scene.cloud.positions, boxes);
  const cams = orbitCameras(bounds, n, {
    width: W,
    height: H,
    ...(opts.elevationDeg !== undefined ? { elevationDeg: opts.elevationDeg } : {}),
    ...(opts.fovDeg !== undefined ? { fovDeg: opts.fovDeg } : {}),
    ...(opts.azimuthDeg0 !== undefined ? { azimuthDeg0: opts.azimuthDeg0 } : {}),
  });
  const targetIdx = boxes.length ? resolveTargets(boxes, opts.targets) : [];
  const targetPoints = targetIdx.length ? pointsInBoxes(scene.cloud, targetIdx.map((i) => boxes[i]!)) : [];
  const rendered = cams.map((cam) =>
    renderView(scene.cloud, boxes, cam, {
      ...(opts.pointSize !== undefined ? { pointSize: opts.pointSize } : {}),
      ...(opts.drawBoxes !== undefined ? { drawBoxes: opts.drawBoxes } : {}),
      targets: targetPoints,
      depthTolerance: bounds.radius * 0.02,
    }),
  );
  const ranking = targetIdx.length ? rankViews(rendered, targetIdx, targetPoints, boxes) : [];
  return {
    views: rendered.map((r, k) => ({ image: r.image, camera: cams[k]!, boxes2d: r.boxes2d, pointsInView: r.pointsInView })),
    bounds,
    boxes,
    ranking,
  };
}
