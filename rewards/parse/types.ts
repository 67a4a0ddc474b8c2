/**
 * Result types shared by every parser in rewards/parse/. Parsers are TOTAL: they never throw,
 * whatever the input; a miss is `{ ok: false, reason }` with a reason a person can read.
 *
 * @example
 *   const r = extractTag('<answer>B</answer>', 'answer');
 *   if (r.ok) r.value; // 'B' (r.start = 8, r.end = 9: offsets of the inner text)
 *   else r.reason;     // e.g. 'no <answer> tag'
 */

/** A hit: `value`, and where it lies in the input as `[start, end)` UTF-16 offsets; `via` names the convention. */
export type Found<T> = { ok: true; value: T; start: number; end: number; via: string };
/** A miss, with the reason (e.g. `no <answer> tag`, `box has 3 numbers`). */
export type NotFound = { ok: false; reason: string };
export type ParseResult<T> = Found<T> | NotFound;

/** Builds a hit. */
export function found<T>(value: T, start: number, end: number, via: string): Found<T> {
  return { ok: true, value, start, end, via };
}

/** Builds a miss. */
export function notFound(reason: string): NotFound {
  return { ok: false, reason };
}

/**
 * Runs `fn`, turning any exception (a bug, or an engine limit on absurd input) into a miss, so
 * that the public parsers stay total.
 */
export function total<T>(what: string, fn: () => ParseResult<T>): ParseResult<T> {
  try {
    return fn();
  } catch (e) {
    return notFound(`${what}: internal parse failure (${e instanceof Error ? e.message.slice(0, 120) : String(e).slice(0, 120)})`);
  }
}

/** Coerces a non-string input (null, a number from untyped JSON) to a string; parsers accept `unknown` defensively. */
export function asText(text: unknown): string {
  return typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
}
