/**
 * The public SVG render API: sanitise + validity gate + render, in the process pool (pool.ts),
 * with a timeout. See raster.ts for the fixed-size placement and sanitize.ts for what is removed.
 *
 * @example
 *   const img = await renderSvg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>');
 *   img.width; // 256
 *   const v = await checkSvg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 10"/>');
 *   // -> { ok: false, code: 'zero_viewbox', reason: 'svg: zero-size viewBox "0 0 0 10"' }
 */
import { GlimpseError, describeError, isGlimpseError } from '../../src/util/errors.js';
import type { RgbImage } from '../types.js';
import type { SvgLimits, SvgLimitsInput } from './limits.js';
import { defaultSvgPool, type SvgRenderPool } from './pool.js';
import type { RasterResult } from './raster.js';

export interface RenderSvgOptions {
  /** Output width in pixels (default 256). */
  width?: number;
  /** Output height in pixels (default 256). */
  height?: number;
  /** Opaque background colour (default white). */
  background?: string;
  /** Time allowed to the render, in ms (default 10 000); past it the render is abandoned. */
  timeoutMs?: number;
  limits?: SvgLimitsInput | SvgLimits;
  /** Name used in error messages. */
  name?: string;
  /** Pool to render in (default: the process-wide pool, one process per core). */
  pool?: SvgRenderPool;
}

/** Codes a failed SVG gets (GlimpseError.code / SvgVerdict.code). */
export type SvgFailureCode = 'parse_error' | 'not_svg' | 'empty_render' | 'zero_viewbox' | 'too_large' | 'timeout' | 'render_crash' | 'bad_config';

export type SvgVerdict =
  | { ok: true; width: number; height: number; removed: string[]; elements: number }
  | { ok: false; code: SvgFailureCode | string; reason: string };

/** Renders with all details (placement, what was removed, optional PNG). */
export function renderSvgDetailed(svg: string, opts: RenderSvgOptions & { png?: boolean } = {}): Promise<RasterResult> {
  const { pool, ...rest } = opts;
  if (typeof svg !== 'string') return Promise.reject(new GlimpseError('parse_error', `${opts.name ?? 'svg'}: SVG source is not text`));
  return (pool ?? defaultSvgPool()).render(svg, rest);
}

/**
 * Renders `svg` to `width×height` RGB over `background`, after sanitising and the validity gate.
 * Rejects with GlimpseError: parse_error, not_svg, empty_render, zero_viewbox, too_large,
 * timeout, render_crash, bad_config.
 */
export async function renderSvg(svg: string, opts: RenderSvgOptions = {}): Promise<RgbImage> {
  const r = await renderSvgDetailed(svg, opts);
  return { width: r.width, height: r.height, data: r.data };
}

/** Renders to a PNG file's bytes. */
export async function renderSvgPng(svg: string, opts: RenderSvgOptions = {}): Promise<Uint8Array> {
  const r = await renderSvgDetailed(svg, { ...opts, png: true });
  return r.png!;
}

/**
 * The validity gate as a verdict that never rejects: `{ ok: true, ... }` when the SVG renders to
 * something visible, else `{ ok: false, code, reason }` saying why (parse error, empty render,
 * zero-size viewBox, exceeded limit, timeout, ...). For rewards that score SVG validity.
 */
export async function checkSvg(svg: string, opts: RenderSvgOptions = {}): Promise<SvgVerdict> {
  try {
    const r = await renderSvgDetailed(svg, opts);
    return { ok: true, width: r.width, height: r.height, removed: r.removed, elements: r.elements };
  } catch (e) {
    return { ok: false, code: isGlimpseError(e) ? e.code : 'render_error', reason: describeError(e) };
  }
}
