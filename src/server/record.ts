/**
 * One scoring item as the server receives it: `{"id"?, "completion", "sample", "coords"?}`,
 * the same record `glimpse reward` reads from JSONL (rewards/record.ts `parseRewardRecord`).
 * Parsing never throws; a bad item gives a one-line error that names the field.
 *
 * CoordinateMaps are cached per worker by their spec (image sizes repeat across rollouts and
 * batches), so a batch does not rebuild the same map for every completion.
 */
import { formatZodError } from '../../data/schema.js';
import { CoordsRecordSchema, coordinateMapFromRecord } from '../../modalities/coords.js';
import type { CoordinateMap } from '../../modalities/types.js';
import { parseRewardRecord, type RewardRecordResult } from '../../rewards/record.js';
import { describeError } from '../util/errors.js';

export type ParsedItem = RewardRecordResult;

const MAX_CACHED_MAPS = 4096;
const maps = new Map<string, CoordinateMap>();

/** The CoordinateMap of a record's `coords` (cached by value); never throws. */
export function coordsFromRecord(value: unknown): { ok: true; map: CoordinateMap } | { ok: false; error: string } {
  const c = CoordsRecordSchema.safeParse(value);
  if (!c.success) return { ok: false, error: formatZodError(c.error) };
  const d = c.data;
  const key = `${d.image_size[0]},${d.image_size[1]}|${d.input_size?.[0]},${d.input_size?.[1]}|${d.space}|${d.region?.join(',')}`;
  let map = maps.get(key);
  if (!map) {
    try {
      map = coordinateMapFromRecord(d);
    } catch (e) {
      return { ok: false, error: describeError(e) };
    }
    if (maps.size >= MAX_CACHED_MAPS) maps.clear();
    maps.set(key, map);
  }
  return { ok: true, map };
}

/** Parses one `{id?, completion, sample, coords?}` item; never throws. */
export function parseItem(value: unknown): ParsedItem {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const { coords, ...rest } = value as Record<string, unknown>;
    if (coords !== undefined && coords !== null) {
      const r = parseRewardRecord(rest);
      if (!r.ok) return r;
      const c = coordsFromRecord(coords);
      if (!c.ok) return { ok: false, error: `coords: ${c.error}` };
      r.input.coords = c.map;
      return r;
    }
  }
  return parseRewardRecord(value);
}

/** `string`, `number`, `an array`, `null`, ... for error messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
