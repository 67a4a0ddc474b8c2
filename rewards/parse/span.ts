/**
 * Time spans in seconds: `12.5 - 20.1 seconds`, `from 12.5s to 20.1s`, `[12.5, 20.1]`,
 * `00:12–00:20`, `1:02:03.5 - 1:02:10`, `{"start": 12.5, "end": 20.1}`. The first span in text
 * order wins. Spans are returned as written (start > end is left for the reward to judge).
 */
import { UNSIGNED_SRC, toFinite } from './numbers.js';
import { asText, found, notFound, total, type ParseResult } from './types.js';

const TIME = String.raw`(?:\d{1,3}:)?\d{1,2}:\d{1,2}(?:\.\d{1,9})?|${UNSIGNED_SRC}`;
const UNIT = String.raw`(?:\s*(?:seconds?|secs?|s)(?![a-zA-Z]))?`;
const SEP = String.raw`\s*(?:-|\u2013|\u2014|~|\bto\b|\band\b|\buntil\b|,)\s*`;
const KEY_START = String.raw`["']?(?:start|start_time|begin)["']?\s*[:=]\s*`;
const KEY_END = String.raw`["']?(?:end|end_time|stop)["']?\s*[:=]\s*`;
const SPAN_RE = new RegExp(
  String.raw`${KEY_START}(${TIME})[^0-9:]{0,40}?${KEY_END}(${TIME})` + // 1,2: keyed
    String.raw`|(${TIME})${UNIT}${SEP}(${TIME})${UNIT}`, // 3,4: range
  'gi',
);

/** Seconds from `12.5`, `00:12`, `1:02:03.5`; undefined when not finite. */
export function timeToSeconds(t: string): number | undefined {
  if (!t.includes(':')) return toFinite(t);
  const parts = t.split(':').map(Number);
  let v = 0;
  for (const p of parts) v = v * 60 + p;
  return Number.isFinite(v) ? v : undefined;
}

/** The first time span in `text`, in seconds; via `keyed`, `list` (`[a, b]`), `timestamp` (`mm:ss`) or `range`. */
export function parseSpan(text: string): ParseResult<[number, number]> {
  return total('parseSpan', () => {
    const s = asText(text);
    SPAN_RE.lastIndex = 0;
    for (let m = SPAN_RE.exec(s); m; m = SPAN_RE.exec(s)) {
      const keyed = m[1] !== undefined;
      const a = timeToSeconds(keyed ? m[1]! : m[3]!);
      const b = timeToSeconds(keyed ? m[2]! : m[4]!);
      if (a === undefined || b === undefined) continue;
      const start = m.index;
      const end = start + m[0].length;
      let via = 'range';
      if (keyed) via = 'keyed';
      else if (m[3]!.includes(':') || m[4]!.includes(':')) via = 'timestamp';
      else if (/\[\s*$/.test(s.slice(Math.max(0, start - 8), start)) && /^\s*\]/.test(s.slice(end, end + 8))) via = 'list';
      return found([a, b] as [number, number], start, end, via);
    }
    return notFound(s.trim() === '' ? 'empty text' : 'no time span (expected e.g. "12.5 - 20.1 seconds", "[12.5, 20.1]", "00:12-00:20")');
  });
}
