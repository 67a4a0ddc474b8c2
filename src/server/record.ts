/**
 * One scoring item as the server receives it: `{"id"?, "completion", "sample", "coords"?}`,
 * the same record `glimpse reward` reads from JSONL (rewards/record.ts `parseRewardRecord`).
 * Parsing never throws; a bad item gives a one-line error that names the field.
 */
import { parseRewardRecord, type RewardRecordResult } from '../../rewards/record.js';

export type ParsedItem = RewardRecordResult;

/** Parses one `{id?, completion, sample, coords?}` item; never throws. */
export function parseItem(value: unknown): ParsedItem {
  return parseRewardRecord(value);
}

/** `string`, `number`, `an array`, `null`, ... for error messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}
