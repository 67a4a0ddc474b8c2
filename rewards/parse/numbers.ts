/**
 * Numbers in model output: plain (`-12.5`, `1.5e3`, `1,234`), fractions (`3/4`, `\frac{3}{4}`),
 * percentages (`50%`, value 50), with units or currency around them (`12 cm`, `$5`), and the
 * `\boxed{…}` convention of math models. Also the shared number pattern the box/point/span
 * parsers build on. Digit runs are bounded so every regex here runs in linear time.
 */
import { asText, found, notFound, total, type ParseResult } from './types.js';

/** An unsigned decimal: `12`, `12.5`, `.5`, `1e-3` (digit runs bounded for linear-time matching). */
export const UNSIGNED_SRC = String.raw`(?:\d{1,24}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][+-]?\d{1,3})?`;
/** A signed decimal (ASCII minus or plus). */
export const SIGNED_SRC = String.raw`[-+]?${UNSIGNED_SRC}`;
/** A non-negative integer, as in VLM-R1's `\d+` box pattern. */
export const INT_SRC = String.raw`\d{1,20}`;

/** Number(s), but only finite values; `undefined` otherwise. */
export function toFinite(s: string): number | undefined {
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

// A signed number with optional thousands separators; the sign must not follow a word character
// or a closing bracket (so `3-5` reads 3 then 5, not 3 then -5).
const SIGNED_GROUPED = String.raw`(?:(?<![\w)\]])[-+\u2212])?(?:\d{1,3}(?:,\d{3}){1,6}(?![\d])(?:\.\d{1,20})?|\d{1,24}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][+-]?\d{1,3})?`;
const TOKEN_RE = new RegExp(
  String.raw`\\[dt]?frac\s*\{\s*(${SIGNED_GROUPED})\s*\}\s*\{\s*(${SIGNED_GROUPED})\s*\}` + // 1,2: latex fraction
    String.raw`|(${SIGNED_GROUPED})\s*\/\s*(${SIGNED_GROUPED})` + // 3,4: a/b
    String.raw`|(${SIGNED_GROUPED})(\s*%)?`, // 5: number, 6: percent
  'g',
);

function numValue(s: string): number | undefined {
  return toFinite(s.replace(/,/g, '').replace('\u2212', '-'));
}

interface NumToken {
  value: number;
  start: number;
  end: number;
  form: 'number' | 'fraction' | 'percent';
}

function tokens(s: string, limit = Infinity): NumToken[] {
  const out: NumToken[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(s); m && out.length < limit; m = TOKEN_RE.exec(s)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[1] !== undefined || m[3] !== undefined) {
      const a = numValue((m[1] ?? m[3])!);
      const b = numValue((m[2] ?? m[4])!);
      if (a !== undefined && b !== undefined && b !== 0) out.push({ value: a / b, start, end, form: 'fraction' });
    } else if (m[5] !== undefined) {
      const v = numValue(m[5]);
      if (v !== undefined) out.push({ value: v, start, end: m[6] ? end : start + m[5].length, form: m[6] ? 'percent' : 'number' });
    }
    if (m[0].length === 0) TOKEN_RE.lastIndex++;
  }
  return out;
}

/**
 * The content of the LAST `\boxed{…}` (balanced braces), as `[start, end)` of the inner text;
 * undefined when there is none or it is unclosed.
 */
export function lastBoxed(s: string): { inner: string; start: number; end: number } | undefined {
  const at = s.lastIndexOf('\\boxed');
  if (at < 0) return undefined;
  let i = at + 6;
  while (i < s.length && s[i] === ' ') i++;
  if (s[i] !== '{') return undefined;
  const start = i + 1;
  let depth = 1;
  for (let j = start; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return { inner: s.slice(start, j), start, end: j };
  }
  return undefined;
}

const ANSWER_IS_RE = /answer\s*(?:is|:|=)\s*:?\s*/gi;

/**
 * The number a completion gives: the last `\boxed{…}` if any; else the number right after
 * "answer is"/"answer:" (last such phrase); else the only number (via `only/…`);
 * else the LAST number in the text. Fractions evaluate (`3/4` → 0.75), percentages keep their
 * written value (`50%` → 50, via `…percent`), thousands separators are dropped (`1,234` → 1234).
 * `via` is `<where>/<form>`, e.g. `boxed/fraction`, `last/number`.
 */
export function parseNumber(text: string): ParseResult<number> {
  return total('parseNumber', () => {
    const s = asText(text);
    const boxed = lastBoxed(s);
    if (boxed) {
      const t = tokens(boxed.inner, 1)[0];
      if (!t) return notFound('\\boxed{} holds no number');
      return found(t.value, boxed.start + t.start, boxed.start + t.end, `boxed/${t.form}`);
    }
    let answerAt = -1;
    ANSWER_IS_RE.lastIndex = 0;
    for (let m = ANSWER_IS_RE.exec(s); m; m = ANSWER_IS_RE.exec(s)) answerAt = m.index + m[0].length;
    if (answerAt >= 0) {
      const rest = s.slice(answerAt, answerAt + 200);
      const t = tokens(rest, 1)[0];
      if (t && /^[\s$€£(]*$/.test(rest.slice(0, t.start))) return found(t.value, answerAt + t.start, answerAt + t.end, `answer_is/${t.form}`);
    }
    const all = tokens(s);
    const last = all[all.length - 1];
    if (!last) return notFound(s.trim() === '' ? 'empty text' : 'no number');
    if (all.length === 1) return found(last.value, last.start, last.end, `only/${last.form}`);
    return found(last.value, last.start, last.end, `last/${last.form}`);
  });
}
