/**
 * Helpers that look around a match: the JSON-ish key in front of a value (`"bbox_2d": [...]`,
 * `'Position': [...]`) and the enclosing `{…}` object, within bounded windows so that scanning
 * stays linear on huge input.
 */

const WINDOW = 400;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The key of a `"key": value` pair whose value starts at `at`, lower-cased; `undefined` when the
 * value is not preceded by a quoted key and a colon. Accepts double or single quotes.
 */
export function keyBefore(s: string, at: number): string | undefined {
  let i = at - 1;
  while (i >= 0 && isSpace(s.charCodeAt(i))) i--;
  if (s[i] !== ':') return undefined;
  i--;
  while (i >= 0 && isSpace(s.charCodeAt(i))) i--;
  const q = s[i];
  if (q !== '"' && q !== "'") return undefined;
  const endKey = i;
  const stop = Math.max(0, i - 64);
  for (i = i - 1; i >= stop; i--) {
    if (s[i] === q) return s.slice(i + 1, endKey).toLowerCase();
  }
  return undefined;
}

/**
 * The `{…}` object that encloses `[start, end)` (no other brace between), as `[from, to)`;
 * `undefined` when there is none within a bounded window.
 */
export function enclosingObject(s: string, start: number, end: number): [number, number] | undefined {
  let l = -1;
  for (let i = start - 1, stop = Math.max(0, start - WINDOW); i >= stop; i--) {
    const c = s.charCodeAt(i);
    if (c === 123) {
      l = i;
      break;
    }
    if (c === 125) return undefined;
  }
  if (l < 0) return undefined;
  for (let i = end, stop = Math.min(s.length, end + WINDOW); i < stop; i++) {
    const c = s.charCodeAt(i);
    if (c === 125) return [l, i + 1];
    if (c === 123) return undefined;
  }
  return undefined;
}

const LABEL_RE = /["'](?:label|category|class|name|object)["']\s*:\s*(?:"([^"\n]{0,200})"|'([^'\n]{0,200})')/i;

/** The `label` (or `category`/`class`/`name`/`object`) string inside `s[from, to)`, if any. */
export function labelIn(s: string, from: number, to: number): string | undefined {
  const m = LABEL_RE.exec(s.slice(from, to));
  return m ? (m[1] ?? m[2]) : undefined;
}
