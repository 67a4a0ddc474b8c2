/**
 * 3D boxes (data/schema.ts Box3D: centre, size, optional yaw in radians about z):
 *
 * - JSON objects `{"center": [x, y, z], "size": [w, l, h], "yaw": 0.3, "label": "chair"}` (via
 *   `center_size`; `dims`/`dimensions`/`extent` for size, `heading`/`angle`/`rotation` for yaw);
 * - `"bbox_3d": [cx, cy, cz, sx, sy, sz(, yaw)]` (via `bbox_3d`); with 9 numbers (Qwen3-VL's
 *   `[…, roll, pitch, yaw]`) the last is the yaw and roll/pitch are ignored;
 * - bare lists of 6 or 7 numbers read the same way (via `list`).
 */
import type { Box3D } from '../../data/schema.js';
import { enclosingObject, keyBefore, labelIn } from './context.js';
import { SIGNED_SRC, toFinite } from './numbers.js';
import { asText, found, notFound, total, type ParseResult } from './types.js';

const S = SIGNED_SRC;
const LIST_RE = new RegExp(String.raw`\[\s*(${S}(?:\s*,\s*${S}){2,8})\s*\]`, 'g');
const SIZE_RE = new RegExp(String.raw`["'](?:size|dims|dimensions|extent)["']\s*:\s*\[\s*(${S})\s*,\s*(${S})\s*,\s*(${S})\s*\]`, 'i');
const YAW_RE = new RegExp(String.raw`["'](?:yaw|heading|angle|rotation)["']\s*:\s*(${S})`, 'i');

/** A parsed 3D box with where it was found. */
export type ParsedBox3D = Box3D & { start: number; end: number; via: string };

function nums(list: string): number[] | undefined {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const v = toFinite(part.trim());
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** Every 3D box in `text`, in text order; a miss when there is none. */
export function parseBoxes3D(text: string): ParseResult<ParsedBox3D[]> {
  return total('parseBoxes3D', () => {
    const s = asText(text);
    const out: ParsedBox3D[] = [];
    LIST_RE.lastIndex = 0;
    for (let m = LIST_RE.exec(s); m; m = LIST_RE.exec(s)) {
      const v = nums(m[1]!);
      if (!v) continue;
      const start = m.index;
      const end = start + m[0].length;
      const key = keyBefore(s, start);
      const obj = enclosingObject(s, start, end);
      const label = obj ? labelIn(s, obj[0], obj[1]) : undefined;
      let box: ParsedBox3D | undefined;
      if (key === 'center' || key === 'centre') {
        if (v.length !== 3 || !obj) continue;
        const body = s.slice(obj[0], obj[1]);
        const sm = SIZE_RE.exec(body);
        if (!sm) continue;
        const size = [toFinite(sm[1]!), toFinite(sm[2]!), toFinite(sm[3]!)];
        if (size.some((x) => x === undefined)) continue;
        box = { center: [v[0]!, v[1]!, v[2]!], size: size as [number, number, number], start: obj[0], end: obj[1], via: 'center_size' };
        const ym = YAW_RE.exec(body);
        const yaw = ym ? toFinite(ym[1]!) : undefined;
        if (yaw !== undefined) box.yaw = yaw;
      } else if (key === 'size' || key === 'dims' || key === 'dimensions' || key === 'extent') {
        continue;
      } else if (v.length === 6 || v.length === 7 || v.length === 9) {
        box = { center: [v[0]!, v[1]!, v[2]!], size: [v[3]!, v[4]!, v[5]!], start, end, via: key === 'bbox_3d' || key === 'box3d' ? 'bbox_3d' : 'list' };
        if (v.length === 7) box.yaw = v[6]!;
        if (v.length === 9) box.yaw = v[8]!;
      }
      if (!box) continue;
      if (label !== undefined) box.label = label;
      out.push(box);
    }
    if (out.length === 0) return notFound(s.trim() === '' ? 'empty text' : 'no 3D box (expected {"center": [x,y,z], "size": [w,l,h]} or [cx,cy,cz,sx,sy,sz(,yaw)])');
    return found(out, out[0]!.start, out[out.length - 1]!.end, out[0]!.via);
  });
}
