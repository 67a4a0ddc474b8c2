/**
 * Tagged sections of a completion: `<think>…</think>`, `<answer>…</answer>`, `<rethink>` (GRIT,
 * Affordance-R1), `<observe>` (Observe-R1), `<class>`/`<extension>` (TimeMaster), custom tags.
 * Tags are matched exactly (`<answer>`, no attributes), case-sensitively, as the papers' regexes do.
 */
import { asText, found, notFound, total, type ParseResult } from './types.js';

/**
 * The inner text of `<tag>…</tag>`. `occurrence: 'first'` (default) takes the first opening tag
 * and the first closing tag after it; `'last'` takes the last opening tag. Offsets are those of
 * the inner text. Misses: `no <tag> tag`, `unclosed <tag> tag`.
 */
export function extractTag(text: string, tag: string, opts?: { occurrence?: 'first' | 'last' }): ParseResult<string> {
  return total('extractTag', () => {
    const s = asText(text);
    const name = asText(tag);
    const openTag = `<${name}>`;
    const closeTag = `</${name}>`;
    const open = opts?.occurrence === 'last' ? s.lastIndexOf(openTag) : s.indexOf(openTag);
    if (open < 0) return notFound(`no <${name}> tag`);
    const start = open + openTag.length;
    const close = s.indexOf(closeTag, start);
    if (close < 0) return notFound(`unclosed <${name}> tag`);
    return found(s.slice(start, close), start, close, 'tag');
  });
}

/** One opening or closing tag token found by {@link scanTags}. */
export interface TagToken {
  name: string;
  closing: boolean;
  /** Offset of `<`. */
  start: number;
  /** Offset just past `>`. */
  end: number;
}

const scanCache = new Map<string, RegExp>();
// Callers usually pass the same array every time (a reward's params): look it up by identity first.
const scanByArray = new WeakMap<readonly string[], RegExp>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every `<name>` / `</name>` token of the given tag names, in text order (linear scan). */
export function scanTags(text: string, names: readonly string[]): TagToken[] {
  const s = asText(text);
  let re = scanByArray.get(names);
  if (!re) {
    const key = names.join('\u0000');
    re = scanCache.get(key);
    if (!re) {
      re = new RegExp(`<(\\/?)(${names.map(escapeRe).join('|')})>`, 'g');
      if (scanCache.size > 256) scanCache.clear();
      scanCache.set(key, re);
    }
    scanByArray.set(names, re);
  }
  const out: TagToken[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push({ name: m[2]!, closing: m[1] === '/', start: m.index, end: m.index + m[0].length });
  return out;
}

/** A well-formed section `<name>inner</name>` found by {@link sections}. */
export interface TagSection {
  name: string;
  /** Offset of the opening `<`. */
  start: number;
  /** Offset just past the closing `>`. */
  end: number;
  innerStart: number;
  innerEnd: number;
}

/**
 * Splits the tag tokens of `names` into non-nested sections, in order. Returns the sections, or a
 * miss naming the first problem (`unclosed <think> tag`, `stray </answer>`, `<answer> inside <think>`).
 */
export function sections(text: string, names: readonly string[]): ParseResult<TagSection[]> {
  return total('sections', () => {
    const s = asText(text);
    const tokens = scanTags(s, names);
    const out: TagSection[] = [];
    let open: TagToken | null = null;
    for (const t of tokens) {
      if (!t.closing) {
        if (open) return notFound(`<${t.name}> inside <${open.name}>`);
        open = t;
      } else {
        if (!open) return notFound(`stray </${t.name}>`);
        if (open.name !== t.name) return notFound(`</${t.name}> closes <${open.name}>`);
        out.push({ name: t.name, start: open.start, end: t.end, innerStart: open.end, innerEnd: t.start });
        open = null;
      }
    }
    if (open) return notFound(`unclosed <${open.name}> tag`);
    if (out.length === 0) return notFound(`no ${names.map((n) => `<${n}>`).join('/')} section`);
    const first = out[0]!;
    const last = out[out.length - 1]!;
    return found(out, first.start, last.end, 'tags');
  });
}
