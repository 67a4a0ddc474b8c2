/**
 * 2D boxes in every convention of the field (see ../../docs/rewards.md, "Parsing"):
 *
 * - Qwen2.5-VL JSON: `{"bbox_2d": [x1, y1, x2, y2], "label": "cat"}` (via `bbox_2d`; keys `bbox`
 *   and `box` count too);
 * - Visual-RFT: `[{'Position': [x1, y1, x2, y2], 'Confidence': 0.9}]`, single quotes and truncated
 *   JSON included (via `position`; boxes before the cut are found);
 * - Qwen2-VL: `<|object_ref_start|>cat<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`
 *   (via `qwen2_box`);
 * - bare lists `[x1, y1, x2, y2]` (via `list`) and pairs `(x1, y1), (x2, y2)` (via `pair`).
 *
 * Numbers are returned as written, in the model's space (the rewards convert them through a
 * CoordinateMap). A box is never reordered: an inverted box stays inverted for the reward to judge.
 */
import { enclosingObject, keyBefore, labelIn } from './context.js';
import { INT_SRC, SIGNED_SRC, toFinite } from './numbers.js';
import { asText, found, notFound, total, type ParseResult } from './types.js';

export interface ParsedBox {
  bbox: [number, number, number, number];
  label?: string;
  confidence?: number;
  /** `[start, end)` of the box text (including `<|box_start|>…<|box_end|>` where present). */
  start: number;
  end: number;
  via: 'bbox_2d' | 'list' | 'pair' | 'qwen2_box' | 'position';
}

function boxRegex(n: string, vlmR1: boolean): RegExp {
  // VLM-R1's own pattern is `\[(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\]`: no space after `[` or before `,`.
  const list = vlmR1 ? String.raw`\[(${n}),\s*(${n}),\s*(${n}),\s*(${n})\]` : String.raw`\[\s*(${n})\s*,\s*(${n})\s*,\s*(${n})\s*,\s*(${n})\s*\]`;
  const pair = String.raw`\(\s*(${n})\s*,\s*(${n})\s*\)\s*,?\s*\(\s*(${n})\s*,\s*(${n})\s*\)`;
  return new RegExp(`${list}|${pair}`, 'g');
}

const FLOAT_RE = boxRegex(SIGNED_SRC, false);
const INT_RE = boxRegex(INT_SRC, true);
const BOX_START = '<|box_start|>';
const BOX_END = '<|box_end|>';
const REF_START = '<|object_ref_start|>';
const REF_END = '<|object_ref_end|>';
const CONF_RE = new RegExp(String.raw`["'](?:confidence|score)["']\s*:\s*(${SIGNED_SRC})`, 'i');
const KEYED_LIST_RE = /["'](bbox_2d|bbox|box|position)["']\s*:\s*\[([^\]\[]{0,200})\]?/i;

function bboxKey(key: string | undefined): 'bbox_2d' | 'position' | undefined {
  if (key === 'bbox_2d' || key === 'bbox' || key === 'box') return 'bbox_2d';
  if (key === 'position') return 'position';
  return undefined;
}

/**
 * Every box in `text`, in text order; a miss when there is none (the reason says why, e.g.
 * `bbox_2d has 3 numbers`). `integersOnly` uses VLM-R1's integer-only pattern for lists
 * (`\[(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\]`) and non-negative integers in pairs.
 * Boxes holding a non-finite number (`1e999`) are skipped.
 */
export function parseBoxes(text: string, opts?: { integersOnly?: boolean }): ParseResult<ParsedBox[]> {
  return total('parseBoxes', () => {
    const s = asText(text);
    const re = opts?.integersOnly ? INT_RE : FLOAT_RE;
    const out: ParsedBox[] = [];
    let skipped = 0;
    re.lastIndex = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      const isList = m[1] !== undefined;
      const a = toFinite(isList ? m[1]! : m[5]!);
      const b = toFinite(isList ? m[2]! : m[6]!);
      const c = toFinite(isList ? m[3]! : m[7]!);
      const d = toFinite(isList ? m[4]! : m[8]!);
      if (a === undefined || b === undefined || c === undefined || d === undefined) {
        skipped++;
        continue;
      }
      let start = m.index;
      let end = start + m[0].length;
      const box: ParsedBox = { bbox: [a, b, c, d], start, end, via: isList ? 'list' : 'pair' };
      if (isList) {
        const kind = bboxKey(keyBefore(s, start));
        if (kind) box.via = kind;
        const obj = enclosingObject(s, start, end);
        if (obj) {
          const label = labelIn(s, obj[0], obj[1]);
          if (label !== undefined) box.label = label;
          const cm = CONF_RE.exec(s.slice(obj[0], obj[1]));
          const conf = cm ? toFinite(cm[1]!) : undefined;
          if (conf !== undefined) box.confidence = conf;
        }
      } else {
        let i = start;
        while (i > 0 && s.charCodeAt(i - 1) <= 32) i--;
        if (s.startsWith(BOX_START, i - BOX_START.length)) {
          box.via = 'qwen2_box';
          start = i - BOX_START.length;
          let j = end;
          while (j < s.length && s.charCodeAt(j) <= 32) j++;
          if (s.startsWith(BOX_END, j)) end = j + BOX_END.length;
          let k = start;
          while (k > 0 && s.charCodeAt(k - 1) <= 32) k--;
          if (s.startsWith(REF_END, k - REF_END.length)) {
            const refAt = s.lastIndexOf(REF_START, k - REF_END.length);
            if (refAt >= 0 && k - REF_END.length - refAt < 400) box.label = s.slice(refAt + REF_START.length, k - REF_END.length).trim();
          }
          box.start = start;
          box.end = end;
        }
      }
      out.push(box);
    }
    if (out.length > 0) return found(out, out[0]!.start, out[out.length - 1]!.end, out[0]!.via);
    if (skipped > 0) return notFound(`${skipped} box(es) with a non-finite number`);
    const keyed = KEYED_LIST_RE.exec(s);
    if (keyed) {
      const nums = keyed[2]!.split(',').filter((x) => x.trim() !== '').length;
      const closed = keyed[0].endsWith(']');
      return notFound(`${keyed[1]} ${closed ? `has ${nums} number${nums === 1 ? '' : 's'}` : 'list is truncated'}${opts?.integersOnly ? ' (integers only)' : ''}`);
    }
    return notFound(s.trim() === '' ? 'empty text' : `no box${opts?.integersOnly ? ' of 4 integers' : ''}`);
  });
}
