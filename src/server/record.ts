/**
 * One scoring item as the server receives it: `{"id"?, "completion", "sample", "coords"?}`
 * (the JSONL record of `glimpse reward`). Parsing never throws; a bad item gives a one-line
 * error that names the field.
 */
import { parseSample } from '../../data/schema.js';
import { CoordsRecordSchema, coordinateMapFromRecord } from '../../modalities/coords.js';
import type { RewardInput } from '../../rewards/types.js';
import { describeError } from '../util/errors.js';

export type ParsedItem = { ok: true; id?: string; input: RewardInput } | { ok: false; error: string };

/** Parses one `{id?, completion, sample, coords?}` item; never throws. */
export function parseItem(value: unknown): ParsedItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: `an item must be an object {completion, sample, coords?}, got ${kindOf(value)}` };
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (k !== 'id' && k !== 'completion' && k !== 'sample' && k !== 'coords') {
      return { ok: false, error: `unknown field "${k.slice(0, 40)}" (fields: id, completion, sample, coords)` };
    }
  }
  if (v.id !== undefined && typeof v.id !== 'string' && typeof v.id !== 'number') return { ok: false, error: `id: must be a string, got ${kindOf(v.id)}` };
  if (typeof v.completion !== 'string') return { ok: false, error: `completion: must be a string, got ${kindOf(v.completion)}` };
  const s = parseSample(v.sample);
  if (!s.ok) return { ok: false, error: `sample: ${s.error}` };
  const input: RewardInput = { completion: v.completion, sample: s.sample };
  if (v.coords !== undefined && v.coords !== null) {
    const c = CoordsRecordSchema.safeParse(v.coords);
    if (!c.success) return { ok: false, error: `coords: ${c.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
    try {
      input.coords = coordinateMapFromRecord(c.data);
    } catch (e) {
      return { ok: false, error: `coords: ${describeError(e)}` };
    }
  }
  return v.id === undefined ? { ok: true, input } : { ok: true, id: String(v.id), input };
}

/** `string`, `number`, `array`, `null`, ... for error messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
