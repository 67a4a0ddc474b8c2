/**
 * One scoring record, as `glimpse reward` reads it from JSONL and the reward server from HTTP:
 *
 *   {"id"?: string|number, "completion": string, "sample": {...Sample...}, "coords"?: {...}}
 *
 * `coords` (`{"image_size": [W, H], "input_size"?: [w, h], "space"?: ..., "region"?: [...]}`,
 * modalities/coords.ts CoordsRecordSchema) becomes the CoordinateMap of `RewardInput.coords`.
 * For convenience a sample may leave out `id` (the record's id, else "-", is used) and `prompt`
 * (""); everything else follows data/schema.ts. Other top-level keys are allowed and ignored.
 */
import { formatZodError, parseSample } from '../data/schema.js';
import { coordinateMapFromRecord, CoordsRecordSchema } from '../modalities/coords.js';
import type { RewardInput } from './types.js';

export type RewardRecordResult = { ok: true; id?: string; input: RewardInput } | { ok: false; error: string };

/** Validates one record; never throws. The error names the field (`sample.answer.bbox: ...`). */
export function parseRewardRecord(value: unknown): RewardRecordResult {
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, error: `expected an object {"completion": string, "sample": {...}}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
    }
    const rec = value as Record<string, unknown>;
    let id: string | undefined;
    if (rec.id !== undefined) {
      if (typeof rec.id === 'string') id = rec.id;
      else if (typeof rec.id === 'number' && Number.isFinite(rec.id)) id = String(rec.id);
      else return { ok: false, error: 'id: must be a string or a number' };
    }
    if (typeof rec.completion !== 'string') {
      return { ok: false, error: `completion: ${rec.completion === undefined ? 'missing' : `must be a string, got ${rec.completion === null ? 'null' : typeof rec.completion}`}` };
    }
    const rawSample = rec.sample;
    if (rawSample === null || typeof rawSample !== 'object' || Array.isArray(rawSample)) {
      return { ok: false, error: `sample: ${rawSample === undefined ? 'missing' : 'must be an object {answer, ...}'}` };
    }
    const s = rawSample as Record<string, unknown>;
    const filled = { ...s, id: s.id ?? id ?? '-', prompt: s.prompt ?? '' };
    const ps = parseSample(filled);
    if (!ps.ok) return { ok: false, error: `sample: ${ps.error}` };
    const input: RewardInput = { completion: rec.completion, sample: ps.sample };
    if (rec.coords !== undefined && rec.coords !== null) {
      const c = CoordsRecordSchema.safeParse(rec.coords);
      if (!c.success) return { ok: false, error: `coords: ${formatZodError(c.error)}` };
      try {
        input.coords = coordinateMapFromRecord(c.data);
      } catch (e) {
        return { ok: false, error: `coords: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    return id === undefined ? { ok: true, input } : { ok: true, id, input };
  } catch (e) {
    return { ok: false, error: `unreadable record (${e instanceof Error ? e.message : String(e)})` };
  }
}
