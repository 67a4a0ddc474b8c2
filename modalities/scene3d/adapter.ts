/**
 * The scene3d adapter: a point cloud (PLY ascii / binary little-endian, or JSON) with optional
 * labelled 3D boxes, rendered to N orbit views (see scene.ts). Each view carries its camera
 * (K, R, t), the 2D projections of the boxes, and the ranking of views by target visibility
 * (select.ts). With `keep: k` only the k best-ranked views are returned, best first.
 *
 * Boxes come from `options.boxes`, else `media.meta.boxes`, else the JSON scene's `boxes`.
 *
 * @example
 *   const p = await scene3dAdapter.prepare({ kind: 'scene3d', path: 'scene0000_00.ply' }, { views: 6, boxes, targets: ['chair'], keep: 2 });
 *   p.images.length;            // 2
 *   p.meta.cameras[0].K;        // intrinsics of the best view
 */
import { z } from 'zod';
import { Box3DSchema, formatZodError, type Media } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { CoordSpaceSchema, createCoordinateMap } from '../coords.js';
import { readMediaBytes } from '../svg/source.js';
import type { ModalityAdapter, PreparedMedia } from '../types.js';
import { parseBoxes3D, SceneLimitsSchema } from './cloud.js';
import { readScene, renderScene } from './scene.js';

export const Scene3dPrepareOptionsSchema = z
  .object({
    views: z.number().int().min(1).max(64).default(6).describe('number of orbit views (3D-R1 renders 6 around the scene)'),
    size: z.tuple([z.number().int().min(8).max(4096), z.number().int().min(8).max(4096)]).default([448, 448]).describe('[width, height] of each view'),
    elevationDeg: z.number().min(-89).max(89).default(30).describe('camera elevation above the horizontal, degrees'),
    fovDeg: z.number().min(5).max(150).default(60).describe('vertical field of view, degrees'),
    azimuthDeg0: z.number().default(-90).describe('azimuth of the first view (degrees; 0 = from +x, −90 = from −y)'),
    pointSize: z.number().int().min(1).max(32).optional().describe('splat side in pixels (default from point density)'),
    boxes: z.array(Box3DSchema).optional().describe('labelled 3D boxes to draw, project and rank views by'),
    targets: z.array(z.union([z.string(), z.number().int().min(0)])).optional().describe('target boxes for view ranking: labels or indices (default all)'),
    drawBoxes: z.boolean().default(true).describe('draw the boxes as wireframes'),
    keep: z.number().int().min(1).optional().describe('return only the k best-ranked views, best first (needs boxes)'),
    space: CoordSpaceSchema.default('pixel').describe('the space the model answers in over each view'),
    placeholder: z.string().max(1000).default('<image>').describe('text spliced into the prompt for each view'),
    baseDir: z.string().optional().describe('folder that relative media paths are resolved against'),
    limits: SceneLimitsSchema.partial().optional(),
  })
  .strict();
export type Scene3dPrepareOptions = z.input<typeof Scene3dPrepareOptionsSchema>;

async function prepareScene(media: Media, options?: Scene3dPrepareOptions): Promise<PreparedMedia> {
  const r0 = Scene3dPrepareOptionsSchema.safeParse(options ?? {});
  if (!r0.success) throw new GlimpseError('bad_config', `scene3d options: ${formatZodError(r0.error)}`);
  const o = r0.data;
  const limits = SceneLimitsSchema.parse(o.limits ?? {});
  const src = await readMediaBytes(media, { kind: 'scene3d', baseDir: o.baseDir, maxBytes: limits.maxBytes, inline: 'auto' });
  const scene = readScene(src.bytes, src.name, limits);
  const metaBoxes = media.meta && 'boxes' in media.meta ? parseBoxes3D(media.meta.boxes, `${src.name} (meta.boxes)`, limits) : undefined;
  const boxes = o.boxes ?? metaBoxes ?? scene.boxes;
  const [W, H] = o.size;
  let r;
  try {
    r = renderScene(scene, {
      views: o.views,
      width: W,
      height: H,
      elevationDeg: o.elevationDeg,
      fovDeg: o.fovDeg,
      azimuthDeg0: o.azimuthDeg0,
      boxes,
      drawBoxes: o.drawBoxes,
      ...(o.pointSize !== undefined ? { pointSize: o.pointSize } : {}),
      ...(o.targets !== undefined ? { targets: o.targets } : {}),
    });
  } catch (e) {
    if (e instanceof GlimpseError) throw new GlimpseError(e.code, `${src.name}: ${e.message}`, e.hint, { cause: e });
    throw e;
  }
  let order = r.views.map((_, i) => i);
  if (o.keep !== undefined) {
    if (r.ranking.length === 0) throw new GlimpseError('bad_config', `${src.name}: "keep" ranks views by their boxes, and this scene has none`);
    order = r.ranking.slice(0, o.keep).map((s) => s.view);
  }
  const views = order.map((i) => r.views[i]!);
  const maps = views.map(() => createCoordinateMap({ original: [W, H], input: [W, H], space: o.space }));
  const text = views.map((v, k) => `View ${k + 1} (azimuth ${Math.round(v.camera.azimuthDeg)}°, elevation ${Math.round(v.camera.elevationDeg)}°): ${o.placeholder}`).join('\n');
  return {
    kind: 'scene3d',
    images: views.map((v) => v.image),
    text,
    coords: maps[0]!,
    perImageCoords: maps,
    meta: {
      source: src.isPath ? src.name : '<inline>',
      points: scene.cloud.count,
      bounds: r.bounds,
      boxes,
      views: order,
      cameras: views.map((v) => v.camera),
      boxes2d: views.map((v) => v.boxes2d),
      ranking: r.ranking,
    },
  };
}

/** The scene3d ModalityAdapter (registered as `scene3d`). */
export const scene3dAdapter: ModalityAdapter<Scene3dPrepareOptions> = { kind: 'scene3d', prepare: prepareScene };
