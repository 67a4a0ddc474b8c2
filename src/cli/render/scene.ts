/**
 * `glimpse render scene <file> --out <dir> [--views N] [--size WxH] [--boxes JSON|@file] [--targets a,b] [--keep K] [--json]`
 *
 * Renders a point cloud (PLY ascii / binary little-endian, or JSON) to N views around the scene,
 * boxes drawn as wireframes, and writes `view-1.png … view-N.png` into the folder (or one PNG
 * when `--out` ends in .png and one view is rendered). `--json` prints each view's camera
 * (K, R, t, position, azimuth, elevation), the boxes' 2D projections, and the view ranking.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Box3D } from '../../../data/schema.js';
import { scene3dAdapter, type Scene3dPrepareOptions } from '../../../modalities/scene3d/adapter.js';
import { encodeRgbPng } from '../../../modalities/svg/png.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { GlimpseError } from '../../util/errors.js';
import { parseSize } from './image.js';
import { positiveInt } from './svg.js';

async function parseBoxesArg(v: string): Promise<unknown> {
  let text = v;
  if (v.startsWith('@')) {
    try {
      text = await readFile(v.slice(1), 'utf8');
    } catch (e) {
      throw new GlimpseError('not_found', `--boxes: cannot read ${v.slice(1)} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  try {
    const j = JSON.parse(text) as unknown;
    return j && typeof j === 'object' && !Array.isArray(j) && 'boxes' in j ? (j as { boxes: unknown }).boxes : j;
  } catch (e) {
    throw new GlimpseError('bad_input', `--boxes: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

function parseAngle(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new GlimpseError('bad_input', `${flag}: expected a number of degrees, got "${v.slice(0, 40)}"`);
  return n;
}

/** Adds `glimpse render scene` to the `render` command. */
export function register(render: Command): void {
  render
    .command('scene')
    .description('render a 3D point cloud (PLY or JSON) with optional 3D boxes to N views around it')
    .argument('<file>', 'PLY (ascii or binary little-endian) or JSON scene')
    .requiredOption('--out <dir-or-file>', 'folder for view-1.png … view-N.png (or a .png with --views 1)')
    .option('--views <n>', 'number of views around the scene', '6')
    .option('--size <WxH>', 'size of each view', '448x448')
    .option('--boxes <json>', '3D boxes: JSON [{"center": [x,y,z], "size": [w,l,h], "yaw"?: rad, "label"?: "chair"}] or @file.json')
    .option('--targets <labels>', 'comma-separated box labels (or indices) to rank views by (default all boxes)')
    .option('--keep <k>', 'write only the k best-ranked views, best first')
    .option('--elevation <deg>', 'camera elevation above the horizontal', '30')
    .option('--fov <deg>', 'vertical field of view', '60')
    .option('--point-size <px>', 'splat size in pixels (default from point density)')
    .option('--json', 'print metadata (cameras, projected boxes, view ranking) as JSON on stdout')
    .action(async (file: string, o: { out: string; views: string; size: string; boxes?: string; targets?: string; keep?: string; elevation: string; fov: string; pointSize?: string; json?: boolean }) => {
      const opts: Scene3dPrepareOptions = { views: positiveInt(o.views, '--views', 64)!, size: parseSize(o.size) };
      opts.elevationDeg = parseAngle(o.elevation, '--elevation')!;
      opts.fovDeg = parseAngle(o.fov, '--fov')!;
      const ps = positiveInt(o.pointSize, '--point-size', 32);
      if (ps !== undefined) opts.pointSize = ps;
      const keep = positiveInt(o.keep, '--keep', 64);
      if (keep !== undefined) opts.keep = keep;
      if (o.boxes !== undefined) opts.boxes = (await parseBoxesArg(o.boxes)) as Box3D[];
      if (o.targets !== undefined) opts.targets = o.targets.split(',').map((t) => t.trim()).filter(Boolean).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
      const p = await scene3dAdapter.prepare({ kind: 'scene3d', path: file }, opts);
      const single = p.images.length === 1 && /\.png$/i.test(o.out);
      const files = p.images.map((_, k) => (single ? o.out : join(o.out, `view-${k + 1}.png`)));
      for (let k = 0; k < p.images.length; k++) {
        const im = p.images[k]!;
        await writeFileAtomic(files[k]!, encodeRgbPng(im.width, im.height, im.data));
      }
      if (o.json) {
        const m = p.meta as Record<string, unknown>;
        const doc = { file, out: files, size: opts.size, points: m.points, bounds: m.bounds, views: m.views, cameras: m.cameras, boxes: m.boxes, boxes2d: m.boxes2d, ranking: m.ranking, text: p.text };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      }
    });
}
