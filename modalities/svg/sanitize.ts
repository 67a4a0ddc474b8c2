/**
 * SVG sanitiser: a single linear scan over the XML that removes everything able to run code or
 * load anything from outside the document, and enforces the size limits, before resvg sees it.
 *
 * Removed (each removal is reported in `removed`):
 * - `<script>`, `<foreignObject>` and `<handler>` elements with their whole subtree;
 * - event-handler attributes (`onload`, `onclick`, ... any `on*`);
 * - `href` / `xlink:href` values that are not a same-document reference (`#id`) or an inline
 *   raster image (`data:image/png|jpeg|gif|webp`); resvg would otherwise load files from disk;
 * - `@import` rules in `<style>`, and processing instructions other than `<?xml ...?>`
 *   (`<?xml-stylesheet href=...?>`);
 * - the DOCTYPE: internal entities are expanded here (bounded by `maxBytes`, so "billion laughs"
 *   fails as `too_large`), external (`SYSTEM`/`PUBLIC`) entities are dropped, never loaded.
 *
 * Clamped (when the render size is given): an `feMorphology` radius over `maxMorphologyRadius`
 * render pixels, since resvg's erode/dilate costs (region pixels) × (2·radius)², seconds for a
 * huge radius (librsvg clamps at 10 px for the same reason). The pixel size of a user unit is
 * estimated from the root's viewBox / width / height and the render size; transforms inside the
 * document are not seen (the render timeout still bounds those), and radii in
 * `primitiveUnits="objectBoundingBox"` are left alone.
 * Clipped (always): a filter region in `filterUnits="userSpaceOnUse"` (and a primitive subregion
 * in `primitiveUnits="userSpaceOnUse"`) reaching more than `filterRegionMargin` canvas widths /
 * heights past the canvas, to that margin. resvg filters every pixel of the region, visible or
 * not (a 100 000-unit region: ~130 ms instead of ~5 ms), and aborts the process on some huge
 * ones (an arithmetic feComposite over a region ~3x the canvas). The canvas is the root's
 * viewBox (else its width/height, else 100 x 100); what lies beyond the margin could show only
 * through an offset, tile, displacement or blur that reaches more than the margin, or when a
 * transform inside the document shrinks the filtered element's user space. Lengths with units
 * other than px and %, and regions wholly outside the margin, are left alone.
 *
 * Everything else is left byte for byte as it was. Errors are GlimpseErrors with codes
 * `too_large`, `parse_error`, `not_svg` or `zero_viewbox`.
 *
 * @example
 *   sanitizeSvg('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>x()</script></svg>').svg
 *   // -> '<svg xmlns="http://www.w3.org/2000/svg"></svg>'
 */
import { GlimpseError } from '../../src/util/errors.js';
import { svgLimits, type SvgLimits, type SvgLimitsInput } from './limits.js';

export interface SanitizeResult {
  /** The sanitised source. */
  svg: string;
  /** What was removed, one short phrase each (e.g. `script element`, `href "a.png"`). */
  removed: string[];
  /** Namespace declarations added to a root that lacked them (models often omit `xmlns`). */
  added: string[];
  /** Number of elements in the document (after entity expansion). */
  elements: number;
  /** Deepest nesting of elements (the root is depth 1). */
  depth: number;
  /** Raw `width`, `height` and `viewBox` attributes of the root `<svg>`, where present. */
  root: { width?: string; height?: string; viewBox?: string };
}

const REMOVED_ELEMENTS = new Set(['script', 'foreignobject', 'handler']);
const SAFE_DATA_IMAGE = /^data:image\/(png|jpeg|jpg|gif|webp)[;,]/i;
/** XML white space: space, tab, CR, LF. */
const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
/** Ends a tag or attribute name: white space, '/', '>' (and '=' for attributes). */
const endsName = (c: number, eq: boolean): boolean => isWs(c) || c === 47 || c === 62 || (eq && c === 61);

type Edit = [start: number, end: number, replacement: string];

function fail(code: string, name: string, cause: string): never {
  throw new GlimpseError(code, `${name}: ${cause}`);
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return (i >= 0 ? qname.slice(i + 1) : qname).toLowerCase();
}

/** Decodes the five predefined XML entities and numeric character references. */
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (m, ref: string) => {
    const r = ref.toLowerCase();
    if (r === 'amp') return '&';
    if (r === 'lt') return '<';
    if (r === 'gt') return '>';
    if (r === 'quot') return '"';
    if (r === 'apos') return "'";
    const code = r.startsWith('#x') ? parseInt(r.slice(2), 16) : parseInt(r.slice(1), 10);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/**
 * Removes the DOCTYPE and expands its internal general entities (`<!ENTITY name "value">`).
 * External entities are dropped (a reference to one is then a parse error in resvg).
 */
function expandDoctype(src: string, name: string, limits: SvgLimits, removed: string[]): string {
  const at = src.search(/<!DOCTYPE/i);
  if (at < 0) return src;
  // the DOCTYPE ends at the first '>' after its optional [internal subset]
  let i = at + 9;
  let subset = '';
  let quote = '';
  let bracket = -1;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' && bracket === -1) bracket = i;
    else if (c === ']' && bracket >= 0) {
      subset = src.slice(bracket + 1, i);
      bracket = -2;
    } else if (c === '>' && bracket < 0) break;
  }
  if (i >= src.length) fail('parse_error', name, 'unterminated <!DOCTYPE>');
  const entities = new Map<string, string>();
  const re = /<!ENTITY\s+(%\s+)?([^\s"'%>]+)\s+(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC)[^>]*)\s*>/g;
  for (let m = re.exec(subset); m; m = re.exec(subset)) {
    if (m[1]) continue; // parameter entity: not used in SVG content
    if (m[5]) {
      removed.push(`external entity "${m[2]}"`);
      continue;
    }
    entities.set(m[2]!, m[3] ?? m[4] ?? '');
  }
  removed.push('DOCTYPE');
  let out = src.slice(0, at) + src.slice(i + 1);
  if (entities.size === 0) return out;
  const ref = /&([A-Za-z_][\w.-]*);/g;
  for (let pass = 0; pass < 16; pass++) {
    let changed = false;
    out = out.replace(ref, (m, n: string) => {
      const v = entities.get(n);
      if (v === undefined) return m;
      changed = true;
      return v;
    });
    if (Buffer.byteLength(out) > limits.maxBytes) fail('too_large', name, `entity expansion exceeds the limit of ${limits.maxBytes} bytes`);
    if (!changed) return out;
  }
  fail('too_large', name, 'entities nest deeper than 16 levels');
}

function parseLength(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** The numbers of a viewBox attribute when it has four (not checked further), else undefined. */
export function viewBoxNumbers(v: string | undefined): number[] | undefined {
  const nums = v?.trim().split(/[\s,]+/).map(Number);
  return nums?.length === 4 ? nums : undefined;
}

/** A length: a number, optionally `px` or `%`. */
const USER_LENGTH = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(px|%)?\s*$/i;

/** A length that is a plain number or `px`, in user units; undefined for other units, % or junk. */
export function pxLength(v: string | undefined): number | undefined {
  const m = v === undefined ? null : USER_LENGTH.exec(v);
  return m && m[2] !== '%' ? Number(m[1]) : undefined;
}

/** Throws `zero_viewbox` when the root's viewBox or width/height give a canvas of no area. */
function checkRootSize(name: string, root: SanitizeResult['root']): void {
  const nums = viewBoxNumbers(root.viewBox);
  if (nums && nums.every(Number.isFinite) && (nums[2]! <= 0 || nums[3]! <= 0)) {
    fail('zero_viewbox', name, `zero-size viewBox "${root.viewBox}"`);
  }
  for (const k of ['width', 'height'] as const) {
    const n = parseLength(root[k]);
    if (n !== undefined && n <= 0) fail('zero_viewbox', name, `zero-size canvas: ${k}="${root[k]}"`);
  }
}

/** Render pixels per user unit of the root, estimated from its attributes (see the module comment). */
function rootScale(root: SanitizeResult['root'], size: { width: number; height: number }): number {
  const w = parseLength(root.width);
  const h = parseLength(root.height);
  const vb = viewBoxNumbers(root.viewBox);
  const box = vb && vb[2]! > 0 && vb[3]! > 0 ? [vb[2]!, vb[3]!] : undefined;
  // the canvas resvg fits to the render: width/height, else the viewBox, else 100 × 100
  const cw = w !== undefined && w > 0 ? w : (box?.[0] ?? 100);
  const ch = h !== undefined && h > 0 ? h : (box?.[1] ?? 100);
  const fit = Math.min(size.width / cw, size.height / ch);
  return box ? fit * Math.min(cw / box[0]!, ch / box[1]!) : fit;
}

/** Where an attribute's value sits in the source (inside its quotes). */
interface AttrSpan {
  value: string;
  start: number;
  end: number;
}

function valueSpan(a: { value: string; end: number }): AttrSpan {
  return { value: a.value, start: a.end - 1 - a.value.length, end: a.end - 1 };
}

/** Rewrites feMorphology radii over `maxPx` render pixels to `maxPx` (see the module comment). */
function clampMorphology(
  radii: AttrSpan[],
  root: SanitizeResult['root'],
  size: { width: number; height: number },
  maxPx: number,
  edits: Edit[],
  removed: string[],
): void {
  const scale = rootScale(root, size);
  if (!(scale > 0) || !Number.isFinite(scale)) return;
  const max = maxPx / scale;
  for (const r of radii) {
    const parts = decodeXmlText(r.value).trim().split(/[\s,]+/);
    const nums = parts.map(Number);
    if (parts.length < 1 || parts.length > 2 || !nums.every(Number.isFinite) || !nums.some((v) => v > max)) continue;
    const clamped = nums.map((v) => (v > max ? Number(max.toPrecision(6)) : v)).join(' ');
    edits.push([r.start, r.end, clamped]);
    removed.push(`feMorphology radius "${r.value.length > 40 ? `${r.value.slice(0, 40)}…` : r.value}" (clamped to ${clamped})`);
  }
}

/** The region attributes of one `<filter>` (userSpaceOnUse) or filter primitive (userSpaceOnUse). */
interface FilterRegion {
  kind: 'filter' | 'primitive';
  attrs: Partial<Record<'x' | 'y' | 'width' | 'height', AttrSpan>>;
  /** Where a missing attribute is inserted: just after the tag name. */
  insertAt: number;
}

/** The root's canvas in its own user units: [x, y, width, height] (see the module comment). */
function rootUserRect(root: SanitizeResult['root']): [number, number, number, number] | undefined {
  const vb = viewBoxNumbers(root.viewBox);
  if (vb && vb.every(Number.isFinite) && vb[2]! > 0 && vb[3]! > 0) return [vb[0]!, vb[1]!, vb[2]!, vb[3]!];
  const side = (v: string | undefined): number | undefined => {
    if (v === undefined) return 100;
    const n = pxLength(v);
    return n !== undefined && n > 0 ? n : undefined;
  };
  const w = side(root.width);
  const h = side(root.height);
  return w !== undefined && h !== undefined ? [0, 0, w, h] : undefined;
}

/** A region length in user units: a number, `px`, or a percentage of `viewport`; else undefined. */
function regionLength(v: string, viewport: number): number | undefined {
  const m = USER_LENGTH.exec(decodeXmlText(v));
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  return m[2] === '%' ? (n / 100) * viewport : n;
}

/** Clips filter regions reaching more than `margin` canvases past the canvas (see the module comment). */
function clipFilterRegions(regions: FilterRegion[], root: SanitizeResult['root'], margin: number, edits: Edit[], removed: string[]): void {
  const canvas = rootUserRect(root);
  if (!canvas) return;
  const fmt = (v: number) => String(Number(v.toPrecision(6)));
  for (const r of regions) {
    const changes: Array<[name: 'x' | 'y' | 'width' | 'height', value: number]> = [];
    for (const [pos, size, c0, c] of [
      ['x', 'width', canvas[0], canvas[2]],
      ['y', 'height', canvas[1], canvas[3]],
    ] as const) {
      const pa = r.attrs[pos];
      const sa = r.attrs[size];
      // a primitive's missing x / width come from the filter region: only both given are clipped
      if (r.kind === 'primitive' && (!pa || !sa)) continue;
      // a filter's defaults: x -10%, width 120% (of the viewport, in userSpaceOnUse)
      const a = pa ? regionLength(pa.value, c) : -0.1 * c;
      const len = sa ? regionLength(sa.value, c) : 1.2 * c;
      if (a === undefined || len === undefined || !(len > 0)) continue;
      const lo = c0 - margin * c;
      const hi = c0 + c + margin * c;
      const na = Math.max(a, lo);
      const nb = Math.min(a + len, hi);
      if (nb <= na || (na === a && nb === a + len)) continue;
      if (na !== a) changes.push([pos, na]);
      changes.push([size, nb - na]);
    }
    if (changes.length === 0) continue;
    const before = (['x', 'y', 'width', 'height'] as const)
      .filter((k) => r.attrs[k])
      .map((k) => {
        const v = r.attrs[k]!.value;
        return `${k}="${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`;
      })
      .join(' ');
    for (const [k, v] of changes) {
      const at = r.attrs[k];
      if (at) edits.push([at.start, at.end, fmt(v)]);
      else edits.push([r.insertAt, r.insertAt, ` ${k}="${fmt(v)}"`]);
    }
    removed.push(`${r.kind} region ${before || '(default)'} (clipped to ${changes.map(([k, v]) => `${k}=${fmt(v)}`).join(' ')})`);
  }
}

/**
 * Sanitises `source` (see the module comment). `name` names the SVG in error messages (a file
 * path or `completion`). Throws GlimpseError: `too_large` (bytes, elements, depth),
 * `parse_error` (malformed XML), `not_svg` (root is not `<svg>`), `zero_viewbox`.
 */
export function sanitizeSvg(
  source: string,
  opts: { name?: string; limits?: SvgLimitsInput | SvgLimits; renderSize?: { width: number; height: number } } = {},
): SanitizeResult {
  const name = opts.name ?? 'svg';
  const limits = svgLimits(opts.limits ?? {});
  if (typeof source !== 'string') fail('parse_error', name, 'SVG source is not text');
  const bytes = Buffer.byteLength(source);
  if (bytes > limits.maxBytes) fail('too_large', name, `SVG is ${bytes} bytes, over the limit of ${limits.maxBytes}`);
  if (source.trim() === '') fail('parse_error', name, 'empty SVG source');
  const removed: string[] = [];
  const added: string[] = [];
  const src = expandDoctype(source.replace(/^\uFEFF/, ''), name, limits, removed);

  const edits: Edit[] = [];
  const stack: string[] = []; // local names
  let removeFrom = -1; // index in stack of the removed element we are inside, or -1
  let removeStart = 0;
  let elements = 0;
  let depth = 0;
  let sawRoot = false;
  let rootClosed = false;
  const root: SanitizeResult['root'] = {};
  /** feMorphology radius attributes (user units), clamped once the root's scale is known. */
  const radii: AttrSpan[] = [];
  /** userSpaceOnUse filter regions and primitive subregions, clipped once the root is known. */
  const regions: FilterRegion[] = [];
  /** Enclosing <filter> elements: stack depth, and whether primitiveUnits="objectBoundingBox". */
  const filters: Array<{ depth: number; bboxPrimitives: boolean }> = [];
  const n = src.length;
  let i = 0;

  while (i < n) {
    const lt = src.indexOf('<', i);
    if (lt < 0) break;
    // text between i and lt: @import rules inside <style>
    if (lt > i && removeFrom < 0 && stack[stack.length - 1] === 'style') {
      const text = src.slice(i, lt);
      const re = /@import[^;]*;?/gi;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        edits.push([i + m.index, i + m.index + m[0].length, '']);
        removed.push('@import rule');
      }
    }
    i = lt;
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i + 4);
      if (e < 0) fail('parse_error', name, 'unterminated comment');
      i = e + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i + 9);
      if (e < 0) fail('parse_error', name, 'unterminated CDATA section');
      if (removeFrom < 0 && stack[stack.length - 1] === 'style') {
        const text = src.slice(i, e);
        const re = /@import[^;]*;?/gi;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          edits.push([i + m.index, i + m.index + m[0].length, '']);
          removed.push('@import rule');
        }
      }
      i = e + 3;
      continue;
    }
    if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i + 2);
      if (e < 0) fail('parse_error', name, 'unterminated processing instruction');
      if (!/^<\?xml[\s?]/.test(src.slice(i, i + 6)) && removeFrom < 0) {
        edits.push([i, e + 2, '']);
        removed.push('processing instruction');
      }
      i = e + 2;
      continue;
    }
    if (src.startsWith('<!', i)) {
      const e = src.indexOf('>', i + 2);
      if (e < 0) fail('parse_error', name, 'unterminated declaration');
      i = e + 1;
      continue;
    }
    if (src[i + 1] === '/') {
      const e = src.indexOf('>', i + 2);
      if (e < 0) fail('parse_error', name, 'unterminated end tag');
      const tag = localName(src.slice(i + 2, e).trim());
      const open = stack.pop();
      if (filters[filters.length - 1]?.depth === stack.length) filters.pop();
      if (open === undefined) fail('parse_error', name, `end tag </${tag}> without a start tag`);
      if (open !== tag) fail('parse_error', name, `end tag </${tag}> does not match <${open}>`);
      if (removeFrom === stack.length) {
        edits.push([removeStart, e + 1, '']);
        removeFrom = -1;
      }
      if (stack.length === 0) rootClosed = true;
      i = e + 1;
      continue;
    }
    // start tag
    let j = i + 1;
    while (j < n && !endsName(src.charCodeAt(j), false)) j++;
    const qname = src.slice(i + 1, j);
    if (!qname || /[<&"'=]/.test(qname)) fail('parse_error', name, `malformed tag at offset ${i}`);
    const tag = localName(qname);
    if (rootClosed) fail('parse_error', name, `content after the root element (<${qname}> at offset ${i})`);
    const attrs: Array<{ name: string; value: string; start: number; end: number }> = [];
    let selfClosing = false;
    let closed = false;
    while (j < n) {
      const c = src[j]!;
      if (c === '>') {
        closed = true;
        j++;
        break;
      }
      if (c === '/' && src[j + 1] === '>') {
        closed = true;
        selfClosing = true;
        j += 2;
        break;
      }
      if (isWs(src.charCodeAt(j))) {
        j++;
        continue;
      }
      // attribute: name = "value"
      let a = j;
      while (a > i && isWs(src.charCodeAt(a - 1))) a--;
      const ns = j;
      while (j < n && !endsName(src.charCodeAt(j), true)) j++;
      const an = src.slice(ns, j);
      while (j < n && isWs(src.charCodeAt(j))) j++;
      if (src[j] !== '=') fail('parse_error', name, `attribute "${an}" of <${qname}> has no value`);
      j++;
      while (j < n && isWs(src.charCodeAt(j))) j++;
      const q = src[j];
      if (q !== '"' && q !== "'") fail('parse_error', name, `attribute "${an}" of <${qname}> is not quoted`);
      const ve = src.indexOf(q, j + 1);
      if (ve < 0) fail('parse_error', name, `unterminated attribute "${an}" of <${qname}>`);
      attrs.push({ name: an, value: src.slice(j + 1, ve), start: a, end: ve + 1 });
      j = ve + 1;
    }
    if (!closed) fail('parse_error', name, `unterminated start tag <${qname}>`);
    elements++;
    if (elements > limits.maxElements) fail('too_large', name, `more than ${limits.maxElements} elements`);
    const d = stack.length + 1;
    if (d > depth) depth = d;
    if (depth > limits.maxDepth) fail('too_large', name, `elements nest deeper than ${limits.maxDepth} levels`);
    if (!sawRoot) {
      sawRoot = true;
      if (tag !== 'svg') fail('not_svg', name, `root element is <${qname}>, not <svg>`);
      for (const a of attrs) {
        if (a.name === 'width' || a.name === 'height' || a.name === 'viewBox') root[a.name] = decodeXmlText(a.value);
      }
      // a root without namespace declarations parses as plain XML in resvg: add them
      const prefix = qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '';
      const nsAttr = prefix ? `xmlns:${prefix}` : 'xmlns';
      let insert = '';
      if (!attrs.some((a) => a.name === nsAttr)) {
        insert += ` ${nsAttr}="http://www.w3.org/2000/svg"`;
        added.push(nsAttr);
      }
      if (!attrs.some((a) => a.name === 'xmlns:xlink') && src.includes('xlink:')) {
        insert += ' xmlns:xlink="http://www.w3.org/1999/xlink"';
        added.push('xmlns:xlink');
      }
      if (insert) edits.push([i + 1 + qname.length, i + 1 + qname.length, insert]);
    }
    const inFilter = filters[filters.length - 1];
    if (removeFrom < 0 && (tag === 'filter' || (inFilter && !inFilter.bboxPrimitives && stack.length === inFilter.depth + 1 && tag.startsWith('fe')))) {
      const unit = (attr: string) => attrs.find((a) => a.name === attr)?.value.trim();
      const region: FilterRegion = { kind: tag === 'filter' ? 'filter' : 'primitive', attrs: {}, insertAt: i + 1 + qname.length };
      for (const a of attrs) {
        if (a.name === 'x' || a.name === 'y' || a.name === 'width' || a.name === 'height') region.attrs[a.name] = valueSpan(a);
      }
      if (tag !== 'filter' || unit('filterUnits') === 'userSpaceOnUse') regions.push(region);
      if (tag === 'filter' && !selfClosing) filters.push({ depth: stack.length, bboxPrimitives: unit('primitiveUnits') === 'objectBoundingBox' });
    }
    if (removeFrom < 0 && tag === 'femorphology' && !filters.some((f) => f.bboxPrimitives)) {
      const r = attrs.find((a) => a.name === 'radius');
      if (r) radii.push(valueSpan(r));
    }
    if (removeFrom < 0) {
      if (REMOVED_ELEMENTS.has(tag)) {
        removed.push(`${qname} element`);
        if (selfClosing) edits.push([i, j, '']);
        else {
          removeFrom = stack.length;
          removeStart = i;
        }
      } else {
        for (const a of attrs) {
          const an = a.name.toLowerCase();
          if (an.startsWith('on')) {
            edits.push([a.start, a.end, '']);
            removed.push(`${a.name} attribute`);
          } else if (localName(an) === 'href') {
            const v = decodeXmlText(a.value).trim();
            if (!v.startsWith('#') && !SAFE_DATA_IMAGE.test(v)) {
              edits.push([a.start, a.end, '']);
              removed.push(`${a.name} "${v.length > 60 ? `${v.slice(0, 60)}…` : v}"`);
            }
          }
        }
      }
    }
    if (!selfClosing) stack.push(tag);
    else if (stack.length === 0) rootClosed = true;
    i = j;
  }
  if (!sawRoot) fail('not_svg', name, 'no <svg> element');
  if (stack.length > 0) fail('parse_error', name, `unclosed <${stack[stack.length - 1]}> (document is truncated)`);
  checkRootSize(name, root);
  if (opts.renderSize && radii.length > 0) clampMorphology(radii, root, opts.renderSize, limits.maxMorphologyRadius, edits, removed);
  if (regions.length > 0) clipFilterRegions(regions, root, limits.filterRegionMargin, edits, removed);

  edits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [s, e, r] of edits) {
    if (s < pos) continue; // inside an earlier (enclosing) removal
    out += src.slice(pos, s) + r;
    pos = e;
  }
  out += src.slice(pos);
  return { svg: out, removed, added, elements, depth, root };
}
