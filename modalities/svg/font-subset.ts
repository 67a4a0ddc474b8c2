/**
 * A glyph subset of a TrueType font, for fast SVG text. resvg-js 2.6 keeps the fonts it is given
 * as file paths and reads the whole file again for each glyph it draws (its font database has no
 * memory map there): with DejaVu Sans (760 KB) a line of 100 characters costs ~5 ms. A font file
 * holding only the glyphs of the common characters is a third of the size, and so is that
 * per-glyph read (text renders ~1.5–2× faster overall).
 *
 * What the subset keeps: the glyphs of the characters in the ranges, the glyphs no character
 * maps to (what GSUB substitutes in: ligatures, alternates) and the parts of composite glyphs;
 * glyph ids unchanged (so `hmtx`, `GSUB`, `GPOS`, `kern` stay valid), with the outlines of the
 * other glyphs emptied; a `cmap` (format 4) of the kept characters only; `post` as format 3 (no
 * glyph names); every other table but `MATH`, `FFTM`, `DSIG` and device metrics. Only plain
 * TrueType outlines (`glyf`) are handled; other fonts give `undefined`. fonts.ts uses the subset
 * only for SVGs whose every character is in the ranges, so the rendering is the full font's.
 *
 * Font formats: Apple/Microsoft TrueType reference ("The 'cmap' table", "The 'glyf' table",
 * "The 'loca' table", "The 'head' table"; https://learn.microsoft.com/typography/opentype/spec/).
 */

/**
 * Unicode ranges a subset keeps by default: ASCII, Latin-1, Greek, punctuation, symbols (what
 * labels, charts and model-written SVG mostly hold; the rest falls back to the full font).
 */
export const DEFAULT_SUBSET_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0020, 0x007e], // Basic Latin
  [0x00a0, 0x00ff], // Latin-1
  [0x0370, 0x03ff], // Greek
  [0x2000, 0x206f], // general punctuation
  [0x2070, 0x209f], // superscripts and subscripts
  [0x20a0, 0x20cf], // currency
  [0x2100, 0x214f], // letterlike symbols
  [0x2190, 0x21ff], // arrows
  [0x2200, 0x22ff], // mathematical operators
  [0x25a0, 0x25ff], // geometric shapes
  [0xfb00, 0xfb06], // Latin ligatures (what GSUB turns "fi", "fl", ... into)
];

const DROPPED = new Set(['MATH', 'FFTM', 'DSIG', 'hdmx', 'VDMX', 'LTSH']);

interface Table {
  tag: string;
  data: Uint8Array;
}

function readTables(font: Uint8Array): Map<string, Uint8Array> | undefined {
  if (font.length < 12) return undefined;
  const dv = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const version = dv.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565) return undefined; // TrueType outlines only
  const n = dv.getUint16(4);
  if (12 + n * 16 > font.length) return undefined;
  const tables = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const r = 12 + i * 16;
    const tag = String.fromCharCode(font[r]!, font[r + 1]!, font[r + 2]!, font[r + 3]!);
    const off = dv.getUint32(r + 8);
    const len = dv.getUint32(r + 12);
    if (off + len > font.length) return undefined;
    tables.set(tag, font.subarray(off, off + len));
  }
  return tables;
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Code point → glyph id from the font's Unicode cmap subtables (formats 4 and 12). */
function readCmap(cmap: Uint8Array): Map<number, number> {
  const dv = view(cmap);
  const map = new Map<number, number>();
  // a malformed table could describe billions of code points: stop (the caller gives up) long before
  let budget = 1 << 21;
  const spend = (): void => {
    if (--budget < 0) throw new RangeError('cmap too large');
  };
  const n = dv.getUint16(2);
  const subtables: Array<{ format: number; off: number }> = [];
  for (let i = 0; i < n; i++) {
    const platform = dv.getUint16(4 + i * 8);
    const encoding = dv.getUint16(6 + i * 8);
    const off = dv.getUint32(8 + i * 8);
    if ((platform === 3 && (encoding === 1 || encoding === 10)) || platform === 0) subtables.push({ format: dv.getUint16(off), off });
  }
  for (const { format, off } of subtables) {
    if (format === 4) {
      const segX2 = dv.getUint16(off + 6);
      const ends = off + 14;
      const starts = ends + segX2 + 2;
      const deltas = starts + segX2;
      const ranges = deltas + segX2;
      for (let s = 0; s < segX2; s += 2) {
        const end = dv.getUint16(ends + s);
        const start = dv.getUint16(starts + s);
        const delta = dv.getInt16(deltas + s);
        const ro = dv.getUint16(ranges + s);
        for (let c = start; c <= end && c !== 0xffff; c++) {
          spend();
          let g: number;
          if (ro === 0) g = (c + delta) & 0xffff;
          else {
            const at = ranges + s + ro + (c - start) * 2;
            if (at + 2 > cmap.length) continue;
            g = dv.getUint16(at);
            if (g !== 0) g = (g + delta) & 0xffff;
          }
          if (g !== 0 && !map.has(c)) map.set(c, g);
        }
      }
    } else if (format === 12) {
      const groups = dv.getUint32(off + 12);
      for (let k = 0; k < groups; k++) {
        const p = off + 16 + k * 12;
        const start = dv.getUint32(p);
        const end = Math.min(dv.getUint32(p + 4), start + 0x10000);
        const g0 = dv.getUint32(p + 8);
        for (let c = start; c <= end; c++) {
          spend();
          if (!map.has(c)) map.set(c, g0 + (c - start));
        }
      }
    }
  }
  return map;
}

/** A format-4 cmap (platform 3, encoding 1) of `pairs` (BMP code points, sorted). */
function writeCmap(pairs: Array<[number, number]>): Uint8Array {
  // one segment per run of consecutive code points with consecutive glyph ids, plus the 0xFFFF end
  const segs: Array<[start: number, end: number, delta: number]> = [];
  for (const [c, g] of pairs) {
    const last = segs[segs.length - 1];
    if (last && c === last[1] + 1 && ((c + last[2]) & 0xffff) === g) last[1] = c;
    else segs.push([c, c, (g - c) & 0xffff]);
  }
  segs.push([0xffff, 0xffff, 1]);
  const segCount = segs.length;
  const subLen = 16 + segCount * 8;
  const out = new Uint8Array(4 + 8 + subLen);
  const dv = view(out);
  dv.setUint16(2, 1); // one subtable
  dv.setUint16(4, 3);
  dv.setUint16(6, 1);
  dv.setUint32(8, 12);
  const o = 12;
  dv.setUint16(o, 4);
  dv.setUint16(o + 2, subLen);
  dv.setUint16(o + 6, segCount * 2);
  const pow = 2 ** Math.floor(Math.log2(segCount));
  dv.setUint16(o + 8, pow * 2);
  dv.setUint16(o + 10, Math.log2(pow));
  dv.setUint16(o + 12, segCount * 2 - pow * 2);
  segs.forEach(([start, end, delta], i) => {
    dv.setUint16(o + 14 + i * 2, end);
    dv.setUint16(o + 16 + segCount * 2 + i * 2, start);
    dv.setUint16(o + 16 + segCount * 4 + i * 2, delta);
    // idRangeOffset stays 0
  });
  return out;
}

/** The glyph ids a composite glyph is made of. */
function components(glyph: Uint8Array): number[] {
  if (glyph.length < 10) return [];
  const dv = view(glyph);
  if (dv.getInt16(0) >= 0) return [];
  const ids: number[] = [];
  let p = 10;
  for (;;) {
    if (p + 4 > glyph.length) return ids;
    const flags = dv.getUint16(p);
    ids.push(dv.getUint16(p + 2));
    p += 4 + (flags & 0x0001 ? 4 : 2);
    if (flags & 0x0008) p += 2;
    else if (flags & 0x0040) p += 4;
    else if (flags & 0x0080) p += 8;
    if (!(flags & 0x0020)) return ids;
  }
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  const dv = view(b);
  const whole = b.length & ~3;
  for (let i = 0; i < whole; i += 4) sum = (sum + dv.getUint32(i)) >>> 0;
  if (whole < b.length) {
    let last = 0;
    for (let i = whole; i < whole + 4; i++) last = (last << 8) | (b[i] ?? 0);
    sum = (sum + (last >>> 0)) >>> 0;
  }
  return sum;
}

/**
 * The subset of `font` (a TrueType file) holding the glyphs of the code points in `ranges`
 * (see the module comment); `undefined` when the font is not plain TrueType or is malformed.
 */
/** True when every character of `text` (numeric character references decoded) is in `ranges`. */
export function withinRanges(text: string, ranges: ReadonlyArray<readonly [number, number]> = DEFAULT_SUBSET_RANGES): boolean {
  const inRanges = (c: number): boolean => c === 9 || c === 10 || c === 13 || ranges.some(([a, b]) => c >= a && c <= b);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x7f && c >= 0x20) {
      if (c === 38 && text.charCodeAt(i + 1) === 35) {
        // &#...; or &#x...;
        const m = /^&#(?:x([0-9a-f]{1,8})|([0-9]{1,10}));/i.exec(text.slice(i, i + 14));
        if (m && !inRanges(m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]))) return false;
      }
      continue;
    }
    if (!inRanges(c)) return false; // surrogates (non-BMP) are outside every range
  }
  return true;
}

export function subsetTrueType(font: Uint8Array, ranges: ReadonlyArray<readonly [number, number]> = DEFAULT_SUBSET_RANGES): Uint8Array | undefined {
  try {
    return subset(font, ranges);
  } catch {
    return undefined; // a malformed font: the caller keeps the full one
  }
}

function subset(font: Uint8Array, ranges: ReadonlyArray<readonly [number, number]>): Uint8Array | undefined {
  const tables = readTables(font);
  const head = tables?.get('head');
  const maxp = tables?.get('maxp');
  const loca = tables?.get('loca');
  const glyf = tables?.get('glyf');
  const cmap = tables?.get('cmap');
  const post = tables?.get('post');
  if (!tables || !head || !maxp || !loca || !glyf || !cmap || head.length < 54 || maxp.length < 6) return undefined;
  const numGlyphs = view(maxp).getUint16(4);
  const longLoca = view(head).getInt16(50) === 1;
  const lv = view(loca);
  const offset = (g: number): number => (longLoca ? lv.getUint32(g * 4) : lv.getUint16(g * 2) * 2);
  if (loca.length < (numGlyphs + 1) * (longLoca ? 4 : 2)) return undefined;
  const glyph = (g: number): Uint8Array => glyf.subarray(offset(g), Math.max(offset(g), offset(g + 1)));

  const inRanges = (c: number): boolean => ranges.some(([a, b]) => c >= a && c <= b);
  const all = readCmap(cmap);
  const kept = [...all].filter(([c, g]) => c <= 0xffff && g < numGlyphs && inRanges(c)).sort((a, b) => a[0] - b[0]);
  const keep = new Set<number>([0]);
  const todo = kept.map(([, g]) => g);
  // glyphs no character maps to are what GSUB substitutes in (ligatures, alternates, marks):
  // all kept, so the substitutions of kept characters never land on an emptied glyph
  const encoded = new Set(all.values());
  for (let g = 1; g < numGlyphs; g++) if (!encoded.has(g)) todo.push(g);
  while (todo.length > 0) {
    const g = todo.pop()!;
    if (keep.has(g) && g !== 0) continue;
    keep.add(g);
    for (const c of components(glyph(g))) if (c < numGlyphs && !keep.has(c)) todo.push(c);
  }

  // glyf and a long-format loca, glyph ids unchanged
  let size = 0;
  for (const g of keep) size += (glyph(g).length + 3) & ~3;
  const newGlyf = new Uint8Array(size);
  const newLoca = new Uint8Array((numGlyphs + 1) * 4);
  const nl = view(newLoca);
  let at = 0;
  for (let g = 0; g < numGlyphs; g++) {
    nl.setUint32(g * 4, at);
    if (keep.has(g)) {
      const b = glyph(g);
      newGlyf.set(b, at);
      at += (b.length + 3) & ~3;
    }
  }
  nl.setUint32(numGlyphs * 4, at);
  const newHead = head.slice();
  view(newHead).setInt16(50, 1);
  view(newHead).setUint32(8, 0); // checkSumAdjustment, set below
  const out: Table[] = [];
  for (const [tag, data] of tables) {
    if (DROPPED.has(tag)) continue;
    if (tag === 'glyf') out.push({ tag, data: newGlyf });
    else if (tag === 'loca') out.push({ tag, data: newLoca });
    else if (tag === 'head') out.push({ tag, data: newHead });
    else if (tag === 'cmap') out.push({ tag, data: writeCmap(kept) });
    else if (tag === 'post' && post && post.length >= 32) {
      const p = post.slice(0, 32);
      view(p).setUint32(0, 0x00030000);
      out.push({ tag, data: p });
    } else out.push({ tag, data });
  }
  return writeFont(out);
}

function writeFont(tables: Table[]): Uint8Array {
  tables.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const n = tables.length;
  let size = 12 + n * 16;
  for (const t of tables) size += (t.data.length + 3) & ~3;
  const out = new Uint8Array(size);
  const dv = view(out);
  dv.setUint32(0, 0x00010000);
  dv.setUint16(4, n);
  const pow = 2 ** Math.floor(Math.log2(n));
  dv.setUint16(6, pow * 16);
  dv.setUint16(8, Math.log2(pow));
  dv.setUint16(10, n * 16 - pow * 16);
  let at = 12 + n * 16;
  let headAt = -1;
  tables.forEach((t, i) => {
    const r = 12 + i * 16;
    for (let k = 0; k < 4; k++) out[r + k] = t.tag.charCodeAt(k);
    dv.setUint32(r + 4, checksum(t.data));
    dv.setUint32(r + 8, at);
    dv.setUint32(r + 12, t.data.length);
    out.set(t.data, at);
    if (t.tag === 'head') headAt = at;
    at += (t.data.length + 3) & ~3;
  });
  if (headAt >= 0) dv.setUint32(headAt + 8, (0xb1b0afba - checksum(out)) >>> 0);
  return out;
}
