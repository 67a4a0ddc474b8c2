/**
 * Points: Qwen2.5-VL `{"point_2d": [x, y], "label": "…"}` (via `point_2d`; keys `point` and
 * `keypoint` too), Molmo `<point x="10.5" y="20.1" alt="…">label</point>` (via `molmo`), bare lists
 * `[x, y]` (via `list`) and tuples `(x, y)` (via `tuple`). Tuples that belong to a box written as
 * `(x1,y1),(x2,y2)` are not points.
 */
import { parseBoxes } from './boxes.js';
import { enclosingObject, keyBefore, labelIn } from './context.js';
import { SIGNED_SRC, toFinite } from './numbers.js';
import { asText, found, notFound, total, type ParseResult } from './types.js';

export interface ParsedPoint {
  point: [number, number];
  label?: string;
  start: number;
  end: number;
  via: string;
}

const S = SIGNED_SRC;
const POINT_RE = new RegExp(
  String.raw`\[\s*(${S})\s*,\s*(${S})\s*\]` +
    String.raw`|\(\s*(${S})\s*,\s*(${S})\s*\)` +
    String.raw`|<point\s+x\s*=\s*["'](${S})["']\s+y\s*=\s*["'](${S})["'][^>]{0,300}>([^<]{0,300})<\/point>`,
  'g',
);

/** Every point in `text`, in text order; a miss when there is none. */
export function parsePoints(text: string): ParseResult<ParsedPoint[]> {
  return total('parsePoints', () => {
    const s = asText(text);
    const boxes = parseBoxes(s);
    const pairRanges = boxes.ok ? boxes.value.filter((b) => b.via === 'pair' || b.via === 'qwen2_box').map((b) => [b.start, b.end] as const) : [];
    const out: ParsedPoint[] = [];
    POINT_RE.lastIndex = 0;
    for (let m = POINT_RE.exec(s); m; m = POINT_RE.exec(s)) {
      const start = m.index;
      const end = start + m[0].length;
      let via: string;
      let xs: string;
      let ys: string;
      let label: string | undefined;
      if (m[1] !== undefined) {
        xs = m[1];
        ys = m[2]!;
        const key = keyBefore(s, start);
        via = key === 'point_2d' || key === 'point' || key === 'keypoint' ? 'point_2d' : 'list';
        const obj = enclosingObject(s, start, end);
        if (obj) label = labelIn(s, obj[0], obj[1]);
      } else if (m[3] !== undefined) {
        if (pairRanges.some(([a, b]) => start >= a && end <= b)) continue;
        xs = m[3];
        ys = m[4]!;
        via = 'tuple';
      } else {
        xs = m[5]!;
        ys = m[6]!;
        via = 'molmo';
        const alt = /alt\s*=\s*"([^"]{0,200})"/.exec(m[0]);
        label = (m[7] ?? '').trim() || alt?.[1];
      }
      const x = toFinite(xs);
      const y = toFinite(ys);
      if (x === undefined || y === undefined) continue;
      const p: ParsedPoint = { point: [x, y], start, end, via };
      if (label !== undefined) p.label = label;
      out.push(p);
    }
    if (out.length === 0) return notFound(s.trim() === '' ? 'empty text' : 'no point');
    return found(out, out[0]!.start, out[out.length - 1]!.end, out[0]!.via);
  });
}
