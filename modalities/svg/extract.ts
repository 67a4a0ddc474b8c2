/**
 * Finds the SVG program in a model's completion, for SVG-generation tasks (text-to-SVG,
 * image-to-SVG RL). Looked for in this order, first that holds an `<svg`:
 * 1. the last `<answer>…</answer>` (an unclosed `<answer>` runs to the end of the text);
 * 2. the last fenced code block holding an SVG (```svg, ```xml, ```html or plain ```);
 * 3. anywhere in the text.
 * Within the chosen region the program runs from the first `<svg` start tag to the last
 * `</svg>` after it (nested `<svg>` elements stay inside), or is one self-closing `<svg …/>`.
 *
 * Total: never throws; linear in the length of the text.
 *
 * @example
 *   extractSvg('Here:\n```svg\n<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>\n```')
 *   // -> { ok: true, value: '<svg xmlns=…><rect/></svg>', start: 13, end: 65, via: 'fenced' }
 */

/** Same shape as rewards/parse's ParseResult (kept local so the svg adapter stands alone). */
export type Found<T> = { ok: true; value: T; start: number; end: number; via: string };
export type NotFound = { ok: false; reason: string };
export type ParseResult<T> = Found<T> | NotFound;

interface Index {
  text: string;
  lower: string;
  /** Offsets of every `<svg` start tag, ascending. */
  opens: number[];
  /** Offsets of every `</svg`, ascending. */
  closes: number[];
}

function firstAtOrAfter(xs: number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Offset of the first '>' in [from, to), or -1 (bounded: linear in the region only). */
function gtBefore(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 62) return i;
  return -1;
}

function svgIn(ix: Index, from: number, to: number, via: string): ParseResult<string> {
  const oi = firstAtOrAfter(ix.opens, from);
  const start = ix.opens[oi];
  if (start === undefined || start >= to) return { ok: false, reason: `no <svg> element (${via})` };
  // the last </svg before `to`
  const ci = firstAtOrAfter(ix.closes, to) - 1;
  const close = ix.closes[ci];
  if (close !== undefined && close > start) {
    const gt = gtBefore(ix.lower, close, to);
    if (gt >= 0) return { ok: true, value: ix.text.slice(start, gt + 1), start, end: gt + 1, via };
  }
  // a self-closing root: <svg ... />
  const tagEnd = gtBefore(ix.lower, start, to);
  if (tagEnd > 0 && ix.lower[tagEnd - 1] === '/') return { ok: true, value: ix.text.slice(start, tagEnd + 1), start, end: tagEnd + 1, via };
  return { ok: false, reason: `unterminated <svg> (no </svg>; truncated output?) (${via})` };
}

function buildIndex(text: string): Index {
  const lower = text.toLowerCase();
  const opens: number[] = [];
  const closes: number[] = [];
  for (let i = lower.indexOf('<svg'); i >= 0; i = lower.indexOf('<svg', i + 4)) {
    const c = lower[i + 4];
    if (c === undefined || /[\s/>]/.test(c)) opens.push(i);
  }
  for (let i = lower.indexOf('</svg'); i >= 0; i = lower.indexOf('</svg', i + 5)) closes.push(i);
  return { text, lower, opens, closes };
}

/** Extracts the `<svg>…</svg>` program from a completion; see the module comment. */
export function extractSvg(completion: string): ParseResult<string> {
  if (typeof completion !== 'string') return { ok: false, reason: 'completion is not text' };
  if (completion.length === 0) return { ok: false, reason: 'empty completion' };
  const ix = buildIndex(completion);
  const lower = ix.lower;
  let firstFailure: NotFound | undefined;

  // 1. the last <answer>…</answer>
  const a = lower.lastIndexOf('<answer>');
  if (a >= 0) {
    const from = a + '<answer>'.length;
    const endTag = lower.indexOf('</answer>', from);
    const r = svgIn(ix, from, endTag >= 0 ? endTag : completion.length, 'answer');
    if (r.ok) return r;
    firstFailure = r;
  }

  // 2. the last fenced block holding an <svg
  const fences: number[] = [];
  for (let i = lower.indexOf('```'); i >= 0; i = lower.indexOf('```', i + 3)) fences.push(i);
  let best: ParseResult<string> | undefined;
  for (let k = 0; k + 1 < fences.length; k += 2) {
    const open = fences[k]!;
    const nl = lower.indexOf('\n', open);
    const bodyStart = nl >= 0 && nl < fences[k + 1]! ? nl + 1 : open + 3;
    const r = svgIn(ix, bodyStart, fences[k + 1]!, 'fenced');
    if (r.ok) best = r;
    else if (!firstFailure && r.reason.startsWith('unterminated')) firstFailure = r;
  }
  if (best?.ok) return best;
  // an unclosed fence at the end (truncated output)
  if (fences.length % 2 === 1) {
    const open = fences[fences.length - 1]!;
    const r = svgIn(ix, open + 3, completion.length, 'fenced');
    if (r.ok) return r;
    if (!firstFailure) firstFailure = r;
  }

  // 3. anywhere
  const r = svgIn(ix, 0, completion.length, 'bare');
  if (r.ok) return r;
  return firstFailure && !firstFailure.reason.startsWith('no <svg>') ? firstFailure : r;
}
