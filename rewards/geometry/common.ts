/**
 * Shared plumbing of the geometry rewards: where to read the answer, how to resolve the
 * CoordinateMap from the model's answer space to original units, how to read ground truth
 * defensively, and a last-resort guard that keeps a reward total.
 */
import { z } from 'zod';
import type { BBox, Box3D, Sample } from '../../data/schema.js';
import { CoordSpaceSchema, createCoordinateMap, type CoordinateMap, type CoordSpace } from '../../modalities/coords.js';
import { extractTag } from '../parse/index.js';
import type { RewardDefinition, RewardInput, RewardResult } from '../types.js';

/** `coords` param: the space the model answers in. */
export const coordsParam = CoordSpaceSchema.optional().describe(
  "space the model answers in: 'pixel' (of the resized model input, Qwen2.5-VL), 'norm1000' (Qwen2-VL, InternVL), 'norm1'; default: the space of the coordinate map (adapter or record), else 'pixel'",
);

/** `source` param: where the answer is read. */
export const sourceParam = z
  .enum(['answer', 'completion'])
  .default('answer')
  .describe("'answer': inside the last <answer>…</answer> when there is one, else the whole completion; 'completion': the whole completion");

export type Source = 'answer' | 'completion';

/** The text to parse and where it came from. */
export interface AnswerText {
  text: string;
  /** Offset of `text` in the completion. */
  offset: number;
  from: 'answer' | 'completion';
}

/** The text of the answer: inside the `occurrence` <answer> tag when `source` is 'answer' and one exists. */
export function answerText(completion: unknown, source: Source, occurrence: 'first' | 'last' = 'last'): AnswerText {
  const c = typeof completion === 'string' ? completion : '';
  if (source === 'answer') {
    const tag = extractTag(c, 'answer', { occurrence });
    if (tag.ok) return { text: tag.value, offset: tag.start, from: 'answer' };
  }
  return { text: c, offset: 0, from: 'completion' };
}

/** A resolved map (`null` = identity: the model answers in original units) and how it was found. */
export interface ResolvedCoords {
  map: CoordinateMap | null;
  /** What to report in `details.coords`. */
  info: { space: CoordSpace; from: 'input.coords' | 'prepared.coords' | 'identity'; map: string; rebuilt?: boolean };
}

/**
 * Resolves the CoordinateMap for a reward: `input.coords`, else `input.prepared.coords`, else the
 * identity. When `space` (the reward's `coords` param) differs from the map's space, the map is
 * rebuilt with the same original size, input size and region. A non-pixel space without any map
 * cannot be converted (the image size is unknown): returns `{ error }`.
 */
export function resolveCoords(input: RewardInput, space: CoordSpace | undefined): ResolvedCoords | { error: string } {
  const base = (input?.coords ?? input?.prepared?.coords) as CoordinateMap | undefined;
  const from = input?.coords ? 'input.coords' : input?.prepared?.coords ? 'prepared.coords' : 'identity';
  if (!base || typeof base.boxToOriginal !== 'function') {
    if (space === undefined || space === 'pixel') return IDENTITY;
    return {
      error: `coords '${space}' needs the image size to convert to original pixels: give the record "coords": {"image_size": [W, H], "input_size": [w, h]} or prepare the media with an adapter`,
    };
  }
  // Maps are immutable: cache the resolution per (map, space, from) so that a batch scored with
  // one map builds its description (and any rebuilt map) once.
  let perMap = cache.get(base);
  if (!perMap) cache.set(base, (perMap = new Map()));
  const key = `${space ?? ''}|${from}`;
  const hit = perMap.get(key);
  if (hit) return hit;
  const r = resolveUncached(base, space, from);
  perMap.set(key, r);
  return r;
}

const IDENTITY: ResolvedCoords = Object.freeze({
  map: null,
  info: Object.freeze({ space: 'pixel', from: 'identity', map: 'identity (answers taken as original pixels)' }) as ResolvedCoords['info'],
});
const cache = new WeakMap<CoordinateMap, Map<string, ResolvedCoords | { error: string }>>();

function resolveUncached(base: CoordinateMap, space: CoordSpace | undefined, from: ResolvedCoords['info']['from']): ResolvedCoords | { error: string } {
  if (space === undefined || space === base.space) {
    return { map: base, info: Object.freeze({ space: base.space, from, map: base.describe() }) };
  }
  try {
    const map = createCoordinateMap({
      original: [base.original[0], base.original[1]],
      input: [base.input[0], base.input[1]],
      region: [base.region[0], base.region[1], base.region[2], base.region[3]],
      space,
    });
    return { map, info: Object.freeze({ space, from, map: map.describe(), rebuilt: true }) };
  } catch (e) {
    return { error: `cannot rebuild the coordinate map for coords '${space}': ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Model-space box -> original units through `map` (identity when null). */
export function toOriginalBox(map: CoordinateMap | null, b: BBox): BBox {
  return map ? map.boxToOriginal(b) : [b[0], b[1], b[2], b[3]];
}

/** Model-space point -> original units through `map` (identity when null). */
export function toOriginalPoint(map: CoordinateMap | null, p: [number, number]): [number, number] {
  return map ? map.toOriginal(p) : [p[0], p[1]];
}

function isBoxTuple(v: unknown): v is BBox {
  return Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number');
}

/** The single ground-truth box: `answer.bbox`, else the only box of `answer.boxes`; undefined if none. */
export function gtSingleBox(sample: Sample | undefined): BBox | undefined {
  const a = sample?.answer as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (isBoxTuple(a.bbox)) return a.bbox;
  const boxes = a.boxes;
  if (Array.isArray(boxes) && boxes.length === 1 && isBoxTuple((boxes[0] as { bbox?: unknown })?.bbox)) return (boxes[0] as { bbox: BBox }).bbox;
  return undefined;
}

/** Ground-truth boxes with labels: `answer.boxes`, else `[answer.bbox]` (label `answer.label`); undefined if none. */
export function gtBoxList(sample: Sample | undefined): Array<{ bbox: BBox; label?: string }> | undefined {
  const a = sample?.answer as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (Array.isArray(a.boxes)) {
    const out: Array<{ bbox: BBox; label?: string }> = [];
    for (const item of a.boxes as unknown[]) {
      const b = (item as { bbox?: unknown })?.bbox;
      if (!isBoxTuple(b)) continue;
      const label = (item as { label?: unknown }).label;
      out.push(typeof label === 'string' ? { bbox: b, label } : { bbox: b });
    }
    return out;
  }
  if (isBoxTuple(a.bbox)) return typeof a.label === 'string' ? [{ bbox: a.bbox, label: a.label }] : [{ bbox: a.bbox }];
  return undefined;
}

function isBox3D(v: unknown): v is Box3D {
  const b = v as Box3D;
  return !!b && typeof b === 'object' && Array.isArray(b.center) && Array.isArray(b.size) && b.center.length === 3 && b.size.length === 3;
}

/** `answer.box3d`, else the only box of `answer.boxes3d`. */
export function gtSingleBox3D(sample: Sample | undefined): Box3D | undefined {
  const a = sample?.answer as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (isBox3D(a.box3d)) return a.box3d;
  if (Array.isArray(a.boxes3d) && a.boxes3d.length === 1 && isBox3D(a.boxes3d[0])) return a.boxes3d[0];
  return undefined;
}

/** `answer.boxes3d`, else `[answer.box3d]`. */
export function gtBox3DList(sample: Sample | undefined): Box3D[] | undefined {
  const a = sample?.answer as Record<string, unknown> | undefined;
  if (!a || typeof a !== 'object') return undefined;
  if (Array.isArray(a.boxes3d)) return (a.boxes3d as unknown[]).filter(isBox3D);
  if (isBox3D(a.box3d)) return [a.box3d];
  return undefined;
}

/** Rounds for `details` (keeps JSON output readable and stable). */
export function r6(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}

/** Rounds each coordinate of a box for `details`. */
export function rbox(b: ArrayLike<number>): number[] {
  if (b.length === 4) return [r6(b[0] as number), r6(b[1] as number), r6(b[2] as number), r6(b[3] as number)];
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) out.push(r6(b[i] as number));
  return out;
}

/** At most this many boxes are listed in `details` (scores still use every box up to `max_boxes`). */
export const DETAIL_LIMIT = 50;

/**
 * Wraps a reward's scorer so that an unexpected exception (a bug, an engine limit) becomes the
 * reward's minimum score with a reason instead of a throw. The scorers are written to be total;
 * this is only the last line of defence that the reward contract demands.
 */
export function guarded<P>(def: RewardDefinition<P>): RewardDefinition<P> {
  const inner = def.score;
  const min = def.range[0];
  return {
    ...def,
    score(input, params, ctx): RewardResult {
      try {
        return inner(input, params, ctx) as RewardResult;
      } catch (e) {
        return { score: min, reason: `${def.name}: internal error (${e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200)})` };
      }
    },
  };
}
