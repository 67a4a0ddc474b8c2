/**
 * Reads a predicted spatio-temporal tube from an answer. Accepted shapes (JSON, repaired when
 * truncated or single-quoted):
 *
 * - like the ground truth: `{"frames": {"12": [x1,y1,x2,y2], …}}` or `{"times": {"1.5": […], …}}`
 *   (optionally under a `"tube"` key);
 * - a bare map `{"12": [x1,y1,x2,y2], …}` (keys read as frames or times, like the ground truth);
 * - a list `[{"frame": 12, "bbox_2d": […]}, {"time": 1.5, "bbox": […]}, …]` (keys `frame`/`f`,
 *   `time`/`t`/`timestamp`; boxes `bbox_2d`/`bbox`/`box`).
 *
 * A frame whose box is not four finite numbers stays in the tube with an invalid box (IoU 0), so a
 * malformed box still counts as a predicted frame.
 */
import { parseLenientJson } from '../parse/index.js';

export interface ParsedTube {
  /** key (frame index or seconds) -> box in the model's space */
  entries: Array<[number, [number, number, number, number]]>;
  kind: 'frames' | 'times' | 'either';
  via: 'frames' | 'times' | 'map' | 'list';
}

const INVALID: [number, number, number, number] = [NaN, NaN, NaN, NaN];

function toBox(v: unknown): [number, number, number, number] {
  if (Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) return [v[0], v[1], v[2], v[3]];
  return INVALID;
}

function fromMap(obj: Record<string, unknown>, max: number): Array<[number, [number, number, number, number]]> {
  const out: Array<[number, [number, number, number, number]]> = [];
  for (const k of Object.keys(obj)) {
    if (out.length >= max) break;
    const t = Number(k);
    if (k.trim() === '' || !Number.isFinite(t)) continue;
    out.push([t, toBox(obj[k])]);
  }
  return out;
}

function firstKey(o: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const k of keys) if (k in o) return o[k];
  return undefined;
}

/** The tube in `text`, or a reason why there is none. Total. */
export function parseTube(text: string, max = 10000): ParsedTube | { error: string } {
  const j = parseLenientJson(text);
  if (!j.ok) return { error: j.reason };
  let v = j.value as unknown;
  if (v && typeof v === 'object' && !Array.isArray(v) && 'tube' in (v as object)) v = (v as { tube: unknown }).tube;
  if (Array.isArray(v)) {
    const out: Array<[number, [number, number, number, number]]> = [];
    let kind: ParsedTube['kind'] = 'either';
    for (const item of v) {
      if (out.length >= max) break;
      if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
      const o = item as Record<string, unknown>;
      const f = firstKey(o, ['frame', 'f', 'frame_id', 'frame_idx']);
      const t = firstKey(o, ['time', 't', 'timestamp', 'second', 'seconds']);
      const key = typeof f === 'number' ? f : typeof t === 'number' ? t : typeof f === 'string' ? Number(f) : typeof t === 'string' ? Number(t) : NaN;
      if (!Number.isFinite(key)) continue;
      kind = f !== undefined ? 'frames' : 'times';
      out.push([key, toBox(firstKey(o, ['bbox_2d', 'bbox', 'box']))]);
    }
    if (out.length === 0) return { error: 'no {"frame"|"time": …, "bbox_2d": […]} entries in the list' };
    return { entries: out, kind, via: 'list' };
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.frames && typeof o.frames === 'object') return { entries: fromMap(o.frames as Record<string, unknown>, max), kind: 'frames', via: 'frames' };
    if (o.times && typeof o.times === 'object') return { entries: fromMap(o.times as Record<string, unknown>, max), kind: 'times', via: 'times' };
    const entries = fromMap(o, max);
    if (entries.length === 0) return { error: 'no numeric frame/time keys in the object' };
    return { entries, kind: 'either', via: 'map' };
  }
  return { error: 'the JSON found is not a tube (object or list)' };
}
