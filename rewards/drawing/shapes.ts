/**
 * drawing.shapes — render-based geometry check of an SVG drawing ("draw a blue circle in the
 * top-left"). The SVG program in the completion (modalities/svg extractSvg: the last <answer>, a
 * fenced block, or anywhere) is sanitised and rendered in the SVG render pool (renderSvg: process
 * isolation, timeout, size limits), then the pixels of the asked colour form a mask M and
 *
 *   precision = |M ∩ R| / |M|                       (share of the colour drawn inside the region R)
 *   cover     = min(1, area(bbox(M) ∩ R) / (min_cover · area(R)))   (the blob is big enough)
 *   shape_ok  = 1 when fill = |M| / area(bbox(M)) matches the asked shape, else 1 − shape_weight
 *               (square ≥ 0.9 > circle ≥ 0.64 > triangle: a filled square fills its box, a disc
 *               π/4 ≈ 0.785 of it, a triangle 0.5)
 *   score     = precision · cover · shape_ok   ∈ [0, 1]
 *
 * Ground truth (`sample.answer`): `bbox` = the target region R in SVG user units (the canvas of
 * the prompt, viewBox 0 0 W H); `color` = the asked colour (CSS hex or name); optional `shape`
 * (`circle` | `square` | `triangle`). Null when `bbox` or `color` is missing or invalid.
 * Never throws: no SVG, unparsable or hostile SVG, timeouts give 0 with a reason.
 */
import { z } from 'zod';
import { extractSvg } from '../../modalities/svg/extract.js';
import { parseColor } from '../../modalities/svg/raster.js';
import { renderSvgDetailed } from '../../modalities/svg/render.js';
import { describeError } from '../../src/util/errors.js';
import { registerReward } from '../registry.js';
import type { RewardResult } from '../types.js';

export const DrawingShapesParams = z
  .object({
    tolerance: z.number().min(0).max(442).default(60).describe('largest RGB Euclidean distance from the asked colour for a pixel to count as drawn in it'),
    min_cover: z.number().gt(0).max(1).default(0.25).describe("full credit when the blob's bounding box covers at least this share of the target region"),
    shape_weight: z.number().min(0).max(1).default(0.5).describe('score lost when the blob does not have the asked shape (0: shape ignored)'),
    render_size: z.number().int().min(16).max(1024).default(128).describe('the SVG is rendered to render_size × render_size pixels (letterboxed) for the check'),
    timeout_ms: z.number().int().min(100).max(60_000).default(5000).describe('time allowed to one render; past it the score is 0'),
  })
  .strict();
export type DrawingShapesParams = z.infer<typeof DrawingShapesParams>;

export const DRAWING_SHAPES = ['circle', 'square', 'triangle'] as const;
export type DrawingShape = (typeof DRAWING_SHAPES)[number];

/** The shape a filled blob most likely is, from its fill ratio |M| / area(bbox(M)). */
export function shapeFromFill(fill: number): DrawingShape {
  return fill >= 0.9 ? 'square' : fill >= 0.64 ? 'circle' : 'triangle';
}

interface Truth {
  region: [number, number, number, number];
  rgb: [number, number, number];
  shape?: DrawingShape;
}

function truthOf(sample: unknown): Truth | string {
  const a = (sample as { answer?: unknown } | null | undefined)?.answer;
  if (!a || typeof a !== 'object') return 'sample has no answer';
  const { bbox, color, shape } = a as Record<string, unknown>;
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'no target region (answer.bbox)';
  const r = bbox as [number, number, number, number];
  if (!(r[2] > r[0] && r[3] > r[1]) || Math.abs(r[2] - r[0]) > 1e7 || Math.abs(r[3] - r[1]) > 1e7) return 'answer.bbox is not a valid region';
  if (typeof color !== 'string' || color.length === 0 || color.length > 64) return 'no target colour (answer.color)';
  let rgb: [number, number, number];
  try {
    rgb = parseColor(color);
  } catch {
    return `answer.color "${color}" is not a colour`;
  }
  const t: Truth = { region: r, rgb };
  if (typeof shape === 'string' && (DRAWING_SHAPES as readonly string[]).includes(shape)) t.shape = shape as DrawingShape;
  return t;
}

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

/** Scores one completion; see the module comment. */
export async function scoreDrawing(completion: unknown, sample: unknown, p: DrawingShapesParams): Promise<RewardResult> {
  const truth = truthOf(sample);
  if (typeof truth === 'string') return { score: null, reason: truth };
  if (typeof completion !== 'string') return { score: 0, reason: 'completion is not text' };
  const found = extractSvg(completion);
  if (!found.ok) return { score: 0, reason: `no SVG: ${found.reason}` };
  let img;
  try {
    img = await renderSvgDetailed(found.value, { width: p.render_size, height: p.render_size, background: '#ffffff', timeoutMs: p.timeout_ms, name: 'completion' });
  } catch (e) {
    return { score: 0, reason: `SVG does not render: ${describeError(e).slice(0, 200)}` };
  }
  const { width: W, height: H, data } = img;
  const { scale, offset } = img.placement;
  // target region in render pixels
  const rx1 = offset[0] + truth.region[0] * scale;
  const ry1 = offset[1] + truth.region[1] * scale;
  const rx2 = offset[0] + truth.region[2] * scale;
  const ry2 = offset[1] + truth.region[3] * scale;
  const tol2 = p.tolerance * p.tolerance;
  const [tr, tg, tb] = truth.rgb;
  let count = 0;
  let inside = 0;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      const dr = data[o]! - tr;
      const dg = data[o + 1]! - tg;
      const db = data[o + 2]! - tb;
      if (dr * dr + dg * dg + db * db > tol2) continue;
      count++;
      const cx = x + 0.5;
      const cy = y + 0.5;
      if (cx >= rx1 && cx <= rx2 && cy >= ry1 && cy <= ry2) inside++;
      if (x < x1) x1 = x;
      if (y < y1) y1 = y;
      if (x + 1 > x2) x2 = x + 1;
      if (y + 1 > y2) y2 = y + 1;
    }
  }
  if (count === 0) return { score: 0, reason: 'nothing is drawn in the asked colour', details: { pixels: 0 } };
  const precision = inside / count;
  const ix = Math.max(0, Math.min(x2, rx2) - Math.max(x1, rx1));
  const iy = Math.max(0, Math.min(y2, ry2) - Math.max(y1, ry1));
  const regionArea = (rx2 - rx1) * (ry2 - ry1);
  const cover = regionArea > 0 ? Math.min(1, (ix * iy) / (p.min_cover * regionArea)) : 0;
  const fill = count / ((x2 - x1) * (y2 - y1));
  const drawn = shapeFromFill(fill);
  const shapeOk = !truth.shape || drawn === truth.shape;
  const score = precision * cover * (shapeOk ? 1 : 1 - p.shape_weight);
  const details = { pixels: count, precision: r4(precision), cover: r4(cover), fill: r4(fill), shape: drawn, blob: [x1, y1, x2, y2] };
  const why: string[] = [];
  if (precision < 1) why.push(`${Math.round((1 - precision) * 100)}% of the colour lies outside the region`);
  if (cover < 1) why.push('the shape is too small or outside the region');
  if (!shapeOk) why.push(`looks like a ${drawn}, not a ${truth.shape}`);
  return why.length ? { score, reason: why.join('; '), details } : { score, details };
}

export const drawingShapesReward = registerReward<DrawingShapesParams>({
  name: 'drawing.shapes',
  description: 'renders the SVG answer and scores whether a blob of the asked colour (and shape) lies in the asked region (answer.bbox, answer.color, answer.shape)',
  paper: 'rendering feedback for SVG generation as in RLRF (Rodriguez et al., Rendering-Aware Reinforcement Learning for Vector Graphics Generation, NeurIPS 2025); the geometric formula (precision · cover · shape) is glimpse\'s own',
  range: [0, 1],
  async: true,
  needs: ['bbox'],
  params: DrawingShapesParams as z.ZodType<DrawingShapesParams>,
  score: (input, p) => scoreDrawing(input?.completion, input?.sample, p).catch((e: unknown) => ({ score: 0, reason: `drawing.shapes failed: ${describeError(e).slice(0, 200)}` })),
  examples: [
    {
      completion: '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240"><circle cx="40" cy="40" r="25" fill="#1e88e5"/></svg></answer>',
      answer: { bbox: [0, 0, 80, 80], color: '#1e88e5', shape: 'circle' },
      score: 1,
      note: 'a blue disc inside the top-left cell',
    },
    {
      completion: '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240"><circle cx="200" cy="200" r="25" fill="#1e88e5"/></svg></answer>',
      answer: { bbox: [0, 0, 80, 80], color: '#1e88e5', shape: 'circle' },
      score: 0,
      note: 'right colour, wrong place',
    },
    {
      completion: 'no svg here',
      answer: { bbox: [0, 0, 80, 80], color: 'blue' },
      score: 0,
    },
  ],
});
