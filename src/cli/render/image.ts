/**
 * `glimpse render image <file> --out x.png [--size WxH] [--boxes JSON] [--points JSON] [--crop x1,y1,x2,y2] [--json]`
 *
 * Writes the image as the model sees it (Qwen2-VL smart resize by default), with boxes/points
 * drawn over it. Boxes and points are in ORIGINAL pixels unless `--space` says they are in the
 * model's space over the output (`pixel`, `norm1000`, `norm1`).
 */
import type { Command } from 'commander';
import type { BBox, Point } from '../../../data/schema.js';
import type { CoordinateMap } from '../../../modalities/coords.js';
import { imageAdapter, type ImagePrepareOptions } from '../../../modalities/image/adapter.js';
import { encodePng } from '../../../modalities/image/encode.js';
import { drawOverlay, type OverlayItem } from '../../../modalities/image/overlay.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { GlimpseError } from '../../util/errors.js';

/** `640x480` -> [640, 480]; GlimpseError naming `--size` otherwise. */
export function parseSize(s: string, flag = '--size'): [number, number] {
  const m = /^\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*$/.exec(s);
  const w = m ? Number(m[1]) : NaN;
  const h = m ? Number(m[2]) : NaN;
  if (!(w > 0 && h > 0)) throw new GlimpseError('bad_input', `${flag}: expected WIDTHxHEIGHT with positive integers, e.g. 640x480, got "${s.slice(0, 50)}"`);
  return [w, h];
}

/** `a,b,...` -> numbers (exactly `n`); GlimpseError naming `flag` otherwise. */
export function parseNumbers(s: string, n: number, flag: string): number[] {
  const parts = s.split(',').map((p) => p.trim());
  const v = parts.map(Number);
  if (parts.length !== n || parts.some((p) => p === '') || !v.every(Number.isFinite)) {
    throw new GlimpseError('bad_input', `${flag}: expected ${n} comma-separated numbers, got "${s.slice(0, 80)}"`);
  }
  return v;
}

function parseJson(s: string, flag: string): unknown {
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new GlimpseError('bad_input', `${flag}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Overlay items from `--boxes` (`[[x1,y1,x2,y2], ...]` or `[{"bbox": [...], "label"?, "color"?}, ...]`)
 * and `--points` (`[[x,y], ...]` or `[{"point": [x,y], "label"?}]`).
 */
export function parseOverlayItems(boxes?: string, points?: string): OverlayItem[] {
  const items: OverlayItem[] = [];
  const add = (raw: string | undefined, flag: string, key: 'bbox' | 'point', n: number) => {
    if (raw === undefined) return;
    const v = parseJson(raw, flag);
    if (!Array.isArray(v)) throw new GlimpseError('bad_input', `${flag}: expected a JSON array`);
    if (v.length > 10_000) throw new GlimpseError('too_large', `${flag}: ${v.length} items exceeds the limit of 10000`);
    v.forEach((el, i) => {
      const obj = Array.isArray(el) ? { [key]: el } : el;
      if (!obj || typeof obj !== 'object') throw new GlimpseError('bad_input', `${flag}[${i}]: expected an array of ${n} numbers or an object with "${key}"`);
      const o = obj as Record<string, unknown>;
      const c = o[key];
      if (!Array.isArray(c) || c.length !== n || !c.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new GlimpseError('bad_input', `${flag}[${i}]: "${key}" must be ${n} finite numbers, got ${JSON.stringify(c)?.slice(0, 80)}`);
      }
      const item: OverlayItem = key === 'bbox' ? { bbox: c as BBox } : { point: c as Point };
      if (o.label !== undefined) item.label = String(o.label);
      if (typeof o.color === 'string') item.color = o.color;
      items.push(item);
    });
  };
  add(boxes, '--boxes', 'bbox', 4);
  add(points, '--points', 'point', 2);
  return items;
}

/** Overlay items in OUTPUT pixels: from original pixels (`space` original) or from the model's space over the output. */
export function itemsToOutput(items: OverlayItem[], map: CoordinateMap, space: string): OverlayItem[] {
  const [w, h] = map.input;
  const unit = space === 'norm1000' ? [1000, 1000] : space === 'norm1' ? [1, 1] : [w, h];
  // the adapter's map answers in `pixel` of the output, so fromOriginal gives output pixels
  const toOut = (p: Point): Point => (space === 'original' ? map.fromOriginal(p) : [(p[0] / unit[0]!) * w, (p[1] / unit[1]!) * h]);
  return items.map((it) => ({
    ...it,
    ...(it.bbox ? { bbox: [...toOut([it.bbox[0], it.bbox[1]]), ...toOut([it.bbox[2], it.bbox[3]])] as BBox } : {}),
    ...(it.point ? { point: toOut(it.point) } : {}),
  }));
}

const SPACES = ['original', 'pixel', 'norm1000', 'norm1'];

/** Writes `data` to `path` atomically; a failure is GlimpseError('io') naming the path. */
export async function writeOutput(path: string, data: Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new GlimpseError('io', `${path}: cannot write the output (${code})`, undefined, { cause: e });
  }
}

/** Adds `glimpse render image` to the `render` command. */
export function register(render: Command): void {
  render
    .command('image')
    .description('render an image as the model sees it (smart resize), with optional boxes/points, to a PNG')
    .argument('<file>', 'image file: JPEG, PNG, WebP, GIF (first frame), TIFF or AVIF')
    .requiredOption('--out <file>', 'PNG to write')
    .option('--size <WxH>', 'resize to exactly WIDTHxHEIGHT (default: Qwen2-VL smart resize)')
    .option('--resize <mode>', 'smart | fixed | none (with --size: fixed)')
    .option('--min-pixels <n>', 'smart resize lower bound on width·height (default 3136 = 56·56)')
    .option('--max-pixels <n>', 'smart resize upper bound on width·height (default 1003520 = 28·28·1280)')
    .option('--crop <x1,y1,x2,y2>', 'show only this region of the original (pixels)')
    .option('--boxes <json>', 'boxes to draw: [[x1,y1,x2,y2], ...] or [{"bbox": [...], "label": "cat"}]')
    .option('--points <json>', 'points to draw: [[x,y], ...] or [{"point": [x,y], "label": "..."}]')
    .option('--space <space>', 'coordinates of --boxes/--points: original (pixels of the file), pixel (of the output), norm1000, norm1', 'original')
    .option('--json', 'print metadata (sizes, coordinate map) as JSON on stdout')
    .action(async (file: string, o: { out: string; size?: string; resize?: string; minPixels?: string; maxPixels?: string; crop?: string; boxes?: string; points?: string; space: string; json?: boolean }) => {
      if (!SPACES.includes(o.space)) throw new GlimpseError('bad_input', `--space: expected one of ${SPACES.join(', ')}, got "${o.space}"`);
      const items = parseOverlayItems(o.boxes, o.points);
      const opts: Record<string, unknown> = { resize: o.resize ?? (o.size ? 'fixed' : 'smart') };
      if (o.size) opts.size = parseSize(o.size);
      if (o.minPixels !== undefined) opts.minPixels = parseNumbers(o.minPixels, 1, '--min-pixels')[0];
      if (o.maxPixels !== undefined) opts.maxPixels = parseNumbers(o.maxPixels, 1, '--max-pixels')[0];
      if (o.crop) opts.region = parseNumbers(o.crop, 4, '--crop');
      const prepared = await imageAdapter.prepare({ kind: 'image', path: file }, opts as ImagePrepareOptions);
      let img = prepared.images[0]!;
      const drawn = itemsToOutput(items, prepared.coords, o.space);
      if (drawn.length) img = await drawOverlay(img, drawn);
      await writeOutput(o.out, await encodePng(img));
      if (o.json) {
        const doc = {
          file,
          out: o.out,
          format: prepared.meta.format,
          original: prepared.meta.original,
          size: [img.width, img.height],
          coords: prepared.coords.toJSON(),
          overlay: drawn.map((d) => ({ ...(d.bbox ? { bbox: d.bbox } : {}), ...(d.point ? { point: d.point } : {}), ...(d.label !== undefined ? { label: d.label } : {}) })),
        };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      }
    });
}
