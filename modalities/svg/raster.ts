/**
 * Synchronous SVG rasterisation in the calling thread: sanitise, validity gate, resvg render at a
 * fixed size, composite over an opaque background. The worker pool (pool.ts) runs this in worker
 * threads; call it directly only where a stuck render cannot hurt (tests, trusted input).
 *
 * Fixed size: the SVG's own canvas (its `width`/`height`, else its viewBox) is scaled to fit
 * inside `width × height` keeping its aspect ratio and centred ("letterboxed") on the
 * background, like `preserveAspectRatio="xMidYMid meet"`. `placement` says where it landed, so a
 * point (x, y) in SVG user units of the canvas lands at (offsetX + x·scale, offsetY + y·scale).
 */
import { Resvg } from '@resvg/resvg-js';
import { GlimpseError } from '../../src/util/errors.js';
import { fontOptions } from './fonts.js';
import { svgLimits, type SvgLimits, type SvgLimitsInput, DEFAULT_SVG_SIZE } from './limits.js';
import { fillBackground, simdCompositor, type RenderedPixels } from './composite-simd.js';
import { encodePngScanlines } from './png.js';
import { pxLength, sanitizeSvg, viewBoxNumbers } from './sanitize.js';

export interface RasterOptions {
  /** Output width in pixels; default 256. */
  width?: number;
  /** Output height in pixels; default 256. */
  height?: number;
  /** Opaque CSS colour behind the drawing: `#rgb`, `#rrggbb`, `rgb(r,g,b)` or a basic name; default white. */
  background?: string;
  /** Also return the PNG file (`png`, zlib level 1: fast, ~1.5× the size of level 9). */
  png?: boolean;
  /** Return the raw RGB bytes in `data` (default true; false leaves `data` empty, e.g. when only the PNG is wanted). */
  rgb?: boolean;
  /** Name used in error messages (a file path, `completion`, ...). */
  name?: string;
  limits?: SvgLimitsInput | SvgLimits;
}

export interface SvgPlacement {
  /** The SVG canvas size in its own units (resvg's resolved width/height). */
  intrinsic: [number, number];
  /** Pixels per SVG unit. */
  scale: number;
  /** Top-left of the canvas in the render, in pixels. */
  offset: [number, number];
}

export interface RasterResult {
  width: number;
  height: number;
  /** RGB bytes, `width*height*3`, row-major. */
  data: Uint8Array;
  png?: Uint8Array;
  placement: SvgPlacement;
  /** What the sanitiser removed. */
  removed: string[];
  elements: number;
}

const NO_FONTS = { loadSystemFonts: false };

const NAMED: Record<string, [number, number, number]> = {
  white: [255, 255, 255],
  black: [0, 0, 0],
  red: [255, 0, 0],
  green: [0, 128, 0],
  lime: [0, 255, 0],
  blue: [0, 0, 255],
  gray: [128, 128, 128],
  grey: [128, 128, 128],
  silver: [192, 192, 192],
  yellow: [255, 255, 0],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
  orange: [255, 165, 0],
};

/** Parses an opaque CSS colour; throws GlimpseError('bad_config') naming the value. */
export function parseColor(css: string): [number, number, number] {
  const s = css.trim().toLowerCase();
  const named = NAMED[s];
  if (named) return [...named];
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [...m[1]!].map((c) => parseInt(c + c, 16)) as [number, number, number];
  m = /^#([0-9a-f]{6})$/.exec(s);
  if (m) return [0, 2, 4].map((k) => parseInt(m![1]!.slice(k, k + 2), 16)) as [number, number, number];
  m = /^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$/.exec(s);
  if (m && [m[1], m[2], m[3]].every((v) => Number(v) <= 255)) return [Number(m[1]), Number(m[2]), Number(m[3])];
  throw new GlimpseError('bad_config', `background: "${css}" is not a colour (use #rrggbb, #rgb, rgb(r,g,b) or a basic name)`);
}

/** Checks an output size against the limits; throws GlimpseError('too_large' | 'bad_config'). */
export function checkRenderSize(width: number, height: number, limits: SvgLimits, name: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new GlimpseError('bad_config', `${name}: render size must be positive integers, got ${width}x${height}`);
  }
  if (width > limits.maxRenderSide || height > limits.maxRenderSide || width * height > limits.maxRenderPixels) {
    throw new GlimpseError(
      'too_large',
      `${name}: render size ${width}x${height} exceeds the limit (${limits.maxRenderSide} px a side, ${limits.maxRenderPixels} pixels)`,
    );
  }
}

/** Width/height of the root canvas as the attributes give it, when they are plain numbers; else undefined. */
function rootAspect(root: { width?: string; height?: string; viewBox?: string }): number | undefined {
  const w = pxLength(root.width);
  const h = pxLength(root.height);
  if (w !== undefined && h !== undefined) return w / h;
  if (root.width === undefined && root.height === undefined) {
    const v = viewBoxNumbers(root.viewBox);
    if (v && v[2]! > 0 && v[3]! > 0) return v[2]! / v[3]!;
  }
  return undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Fills `out` (`height` rows of `stride` bytes, RGB from byte `lead` of each row; bytes before
 * it are set to 0) with the background, then composites the premultiplied render over it.
 * Returns whether any pixel had alpha > 0 (the validity gate's "something visible").
 * Exported for tests.
 */
export function composite(src: RenderedPixels, out: Uint8Array, stride: number, lead: number, width: number, height: number, bg: [number, number, number]): boolean {
  const [br, bgc, bb] = bg;
  fillBackground(out, stride, lead, width, height, bg);
  const { rgba, rw, rh, ox, oy } = src;
  // what the background adds under a pixel of alpha a: round(bg · (255 − a) / 255), exactly
  const addR = new Uint8Array(256);
  const addG = new Uint8Array(256);
  const addB = new Uint8Array(256);
  for (let a = 0; a < 256; a++) {
    addR[a] = Math.floor((2 * br * (255 - a) + 255) / 510);
    addG[a] = Math.floor((2 * bgc * (255 - a) + 255) / 510);
    addB[a] = Math.floor((2 * bb * (255 - a) + 255) / 510);
  }
  let ink = 0;
  if (LITTLE_ENDIAN && (rgba.byteOffset & 3) === 0) {
    // the render as 32-bit pixels (a<<24 | b<<16 | g<<8 | r): one read per pixel, and a run of
    // transparent pixels (premultiplied: all four bytes 0) is skipped at once
    const px = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.byteLength >>> 2);
    for (let y = 0; y < rh; y++) {
      let s = y * src.width;
      const end = s + rw;
      let d = (y + oy) * stride + lead + ox * 3;
      while (s < end) {
        const v = px[s]!;
        if (v === 0) {
          const s0 = s;
          while (++s < end && px[s] === 0);
          d += (s - s0) * 3;
          continue;
        }
        const a = v >>> 24;
        ink |= a;
        if (a === 255) {
          out[d] = v;
          out[d + 1] = v >>> 8;
          out[d + 2] = v >>> 16;
        } else if (a !== 0) {
          let x = (v & 255) + addR[a]!;
          out[d] = x > 255 ? 255 : x;
          x = ((v >>> 8) & 255) + addG[a]!;
          out[d + 1] = x > 255 ? 255 : x;
          x = ((v >>> 16) & 255) + addB[a]!;
          out[d + 2] = x > 255 ? 255 : x;
        }
        s++;
        d += 3;
      }
    }
    return ink !== 0;
  }
  for (let y = 0; y < rh; y++) {
    let s = y * src.width * 4;
    const end = s + rw * 4;
    let d = (y + oy) * stride + lead + ox * 3;
    for (; s < end; s += 4, d += 3) {
      const a = rgba[s + 3]!;
      if (a === 0) continue;
      ink = 1;
      out[d] = Math.min(255, rgba[s]! + addR[a]!);
      out[d + 1] = Math.min(255, rgba[s + 1]! + addG[a]!);
      out[d + 2] = Math.min(255, rgba[s + 2]! + addB[a]!);
    }
  }
  return ink !== 0;
}

/**
 * `src` composited over `bg` into `height` rows of `stride` bytes (see composite()): by the SIMD
 * compositor where it can, its rows then `shared` (a view of its memory, valid until the next
 * render), else by composite() into a new buffer. Throws GlimpseError('empty_render').
 */
function compositeRows(
  src: RenderedPixels,
  stride: number,
  lead: number,
  width: number,
  height: number,
  bg: [number, number, number],
  name: string,
): { rows: Uint8Array; shared: boolean } {
  const c = simdCompositor?.composite(src, stride, lead, width, height, bg);
  let ink: boolean;
  let rows: Uint8Array;
  if (c) ({ rows, ink } = c);
  else {
    rows = new Uint8Array(stride * height);
    ink = composite(src, rows, stride, lead, width, height, bg);
  }
  if (!ink) throw new GlimpseError('empty_render', `${name}: the SVG renders nothing visible (empty render)`);
  return { rows, shared: c !== undefined };
}

/**
 * Renders `source` (see module comment). Throws GlimpseError with code `too_large`,
 * `parse_error`, `not_svg`, `zero_viewbox`, `empty_render` or `bad_config`.
 */
export function rasterizeSvg(source: string, opts: RasterOptions = {}): RasterResult {
  const name = opts.name ?? 'svg';
  const limits = svgLimits(opts.limits ?? {});
  const width = opts.width ?? DEFAULT_SVG_SIZE;
  const height = opts.height ?? DEFAULT_SVG_SIZE;
  checkRenderSize(width, height, limits, name);
  const bg = parseColor(opts.background ?? 'white');
  const clean = sanitizeSvg(source, { name, limits, renderSize: { width, height } });

  // loading a font file costs ~0.4 ms a render: only when the SVG has text
  const font = /<(\w+:)?(text|tspan|textPath|tref)[\s>/]/.test(clean.svg) ? fontOptions(clean.svg) : NO_FONTS;
  const parse = (fitTo?: { mode: 'width' | 'height'; value: number }): Resvg => {
    try {
      return new Resvg(clean.svg, { font: font, logLevel: 'off', ...(fitTo ? { fitTo } : {}) });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new GlimpseError('parse_error', `${name}: resvg cannot parse the SVG (${msg.split('\n')[0]})`);
    }
  };
  // parse once, fitted to the side the root attributes say limits the scale; parse again only
  // when resvg's resolved size says otherwise (units, percentages)
  const guess = rootAspect(clean.root);
  const guessByWidth = guess === undefined || width / height <= guess;
  let resvg = parse(guessByWidth ? { mode: 'width', value: width } : { mode: 'height', value: height });
  const iw = resvg.width;
  const ih = resvg.height;
  if (!(iw > 0 && ih > 0) || !Number.isFinite(iw) || !Number.isFinite(ih)) {
    throw new GlimpseError('zero_viewbox', `${name}: the SVG canvas has no area (${iw}x${ih})`);
  }
  const byWidth = width / iw <= height / ih;
  const scale = byWidth ? width / iw : height / ih;
  if (byWidth !== guessByWidth) resvg = parse(byWidth ? { mode: 'width', value: width } : { mode: 'height', value: height });
  const rendered = resvg.render();
  const rw = Math.min(rendered.width, width);
  const rh = Math.min(rendered.height, height);
  const ox = Math.floor((width - rw) / 2);
  const oy = Math.floor((height - rh) / 2);
  const src = { rgba: rendered.pixels, width: rendered.width, rw, rh, ox, oy };
  const wantRgb = opts.rgb !== false;
  let data: Uint8Array;
  let png: Uint8Array | undefined;
  if (opts.png) {
    // composite straight into PNG scanlines (a filter byte before each row), then copy out RGB
    const stride = width * 3 + 1;
    const { rows } = compositeRows(src, stride, 1, width, height, bg, name);
    png = encodePngScanlines(width, height, rows, 1);
    data = new Uint8Array(wantRgb ? width * height * 3 : 0);
    if (wantRgb) for (let y = 0; y < height; y++) data.set(rows.subarray(y * stride + 1, (y + 1) * stride), y * width * 3);
  } else {
    const { rows, shared } = compositeRows(src, width * 3, 0, width, height, bg, name);
    data = shared ? rows.slice() : rows;
  }
  const result: RasterResult = {
    width,
    height,
    data,
    placement: { intrinsic: [iw, ih], scale, offset: [ox, oy] },
    removed: clean.removed,
    elements: clean.elements,
  };
  if (png) result.png = png;
  return result;
}
