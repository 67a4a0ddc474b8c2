/**
 * The SVG adapter: reads an SVG (file or inline text), renders it at a fixed size in the render
 * pool, and maps the model's coordinates to the SVG's own user units (the canvas given by its
 * width/height or viewBox). The drawing is letterboxed into the input (aspect kept, centred), so
 * the map's region extends past the canvas where there are bars.
 *
 * @example
 *   const p = await svgAdapter.prepare({ kind: 'svg', data: '<svg ...>…</svg>' }, { size: [448, 448], space: 'norm1000' });
 *   p.coords.toOriginal([500, 500]); // the centre of the render, in SVG user units
 */
import { z } from 'zod';
import type { Media } from '../../data/schema.js';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { CoordSpaceSchema, createCoordinateMap, type CoordinateMap, type CoordSpace } from '../coords.js';
import type { ModalityAdapter, PreparedMedia } from '../types.js';
import { DEFAULT_SVG_TIMEOUT_MS, SvgLimitsSchema, svgLimits } from './limits.js';
import type { SvgPlacement } from './raster.js';
import { renderSvgDetailed } from './render.js';
import { readMediaBytes } from './source.js';

export const SvgPrepareOptionsSchema = z
  .object({
    size: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([448, 448]).describe('[width, height] of the render in pixels (448 = 16×28, a Qwen2-VL-friendly size)'),
    background: z.string().default('white').describe('opaque background colour'),
    space: CoordSpaceSchema.default('pixel').describe('the space the model answers in: pixel (of the render), norm1000, norm1'),
    timeoutMs: z.number().int().positive().default(DEFAULT_SVG_TIMEOUT_MS).describe('time allowed to one render, in ms'),
    placeholder: z.string().max(1000).default('<image>').describe('text spliced into the prompt for the render'),
    baseDir: z.string().optional().describe('folder that relative media paths are resolved against'),
    limits: SvgLimitsSchema.partial().optional(),
  })
  .strict();
export type SvgPrepareOptions = z.input<typeof SvgPrepareOptionsSchema>;

/** The map from the render's coordinates (in `space`) to SVG user units of the canvas. */
export function svgCoordinateMap(p: SvgPlacement, size: [number, number], space: CoordSpace): CoordinateMap {
  const [w, h] = size;
  const s = p.scale;
  return createCoordinateMap({
    original: p.intrinsic,
    input: size,
    space,
    region: [-p.offset[0] / s, -p.offset[1] / s, (w - p.offset[0]) / s, (h - p.offset[1]) / s],
  });
}

async function prepareSvg(media: Media, options?: SvgPrepareOptions): Promise<PreparedMedia> {
  const r0 = SvgPrepareOptionsSchema.safeParse(options ?? {});
  if (!r0.success) throw new GlimpseError('bad_config', `svg options: ${formatZodError(r0.error)}`);
  const o = r0.data;
  const limits = svgLimits(o.limits ?? {});
  const src = await readMediaBytes(media, { kind: 'svg', baseDir: o.baseDir, maxBytes: limits.maxBytes, inline: 'text' });
  const text = new TextDecoder('utf-8', { fatal: false }).decode(src.bytes);
  const r = await renderSvgDetailed(text, { width: o.size[0], height: o.size[1], background: o.background, timeoutMs: o.timeoutMs, limits, name: src.name });
  const coords = svgCoordinateMap(r.placement, o.size, o.space);
  return {
    kind: 'svg',
    images: [{ width: r.width, height: r.height, data: r.data }],
    text: o.placeholder,
    coords,
    meta: {
      source: src.isPath ? src.name : '<inline>',
      intrinsic: r.placement.intrinsic,
      scale: r.placement.scale,
      offset: r.placement.offset,
      input: [r.width, r.height],
      elements: r.elements,
      removed: r.removed,
      coords: coords.toJSON(),
    },
  };
}

/** The SVG ModalityAdapter (registered as `svg`). */
export const svgAdapter: ModalityAdapter<SvgPrepareOptions> = { kind: 'svg', prepare: prepareSvg };
