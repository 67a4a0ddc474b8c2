/**
 * Overlays for inspection: boxes, points and labels drawn over an image (an SVG layer composited
 * by sharp). Coordinates are pixels of `img`; map model answers with a CoordinateMap first.
 */
import type { BBox, Point } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import type { RgbImage } from '../types.js';
import { sharpFromRgb, toRgb } from './encode.js';
import { assertRgbImage } from './load.js';

export interface OverlayItem {
  /** [x1, y1, x2, y2] in pixels of the image. */
  bbox?: BBox;
  /** [x, y] in pixels of the image. */
  point?: Point;
  /** Text drawn at the box's top-left corner or beside the point (at most 200 characters shown). */
  label?: string;
  /** CSS colour: `#rgb`, `#rrggbb`, `#rrggbbaa` or a name such as `red`; default from a palette. */
  color?: string;
}

/** Distinct colours (Tableau 10) cycled over items without a colour. */
export const OVERLAY_PALETTE = ['#e15759', '#4e79a7', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

const COLOR_RE = /^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,20})$/;
const MAX_ITEMS = 10_000;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Builds the SVG layer for `items` over a `width`×`height` image (exported for tests). */
export function overlaySvg(width: number, height: number, items: OverlayItem[]): string {
  if (!Array.isArray(items)) throw new GlimpseError('bad_input', 'overlay: items must be an array');
  if (items.length > MAX_ITEMS) throw new GlimpseError('too_large', `overlay: ${items.length} items exceeds the limit of ${MAX_ITEMS}`);
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const fontSize = Math.max(10, Math.round(Math.min(width, height) / 30));
  const r = Math.max(3, stroke * 2);
  // keep far-away coordinates finite and small for the rasteriser
  const cx = (v: number) => Math.min(Math.max(v, -width), 2 * width);
  const cy = (v: number) => Math.min(Math.max(v, -height), 2 * height);
  const parts: string[] = [];
  items.forEach((item, i) => {
    const color = item.color ?? OVERLAY_PALETTE[i % OVERLAY_PALETTE.length]!;
    if (typeof color !== 'string' || !COLOR_RE.test(color)) throw new GlimpseError('bad_input', `overlay item ${i}: bad colour ${JSON.stringify(color)}`);
    let anchor: Point | undefined;
    if (item.bbox !== undefined) {
      const b = item.bbox;
      if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite)) {
        throw new GlimpseError('bad_input', `overlay item ${i}: bbox must be 4 finite numbers, got ${JSON.stringify(b)}`);
      }
      const x1 = cx(Math.min(b[0], b[2]));
      const y1 = cy(Math.min(b[1], b[3]));
      const x2 = cx(Math.max(b[0], b[2]));
      const y2 = cy(Math.max(b[1], b[3]));
      parts.push(`<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${color}" stroke-width="${stroke}"/>`);
      anchor = [x1, y1];
    }
    if (item.point !== undefined) {
      const p = item.point;
      if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isFinite)) {
        throw new GlimpseError('bad_input', `overlay item ${i}: point must be 2 finite numbers, got ${JSON.stringify(p)}`);
      }
      const x = cx(p[0]);
      const y = cy(p[1]);
      parts.push(`<circle cx="${x}" cy="${y}" r="${r}" fill="${color}" stroke="#ffffff" stroke-width="${Math.max(1, stroke / 2)}"/>`);
      anchor ??= [x + r, y - r];
    }
    if (item.label !== undefined && item.label !== '' && anchor) {
      const text = escapeXml(String(item.label).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200));
      const tw = Math.ceil(Math.min(String(item.label).length, 200) * fontSize * 0.62) + 6;
      const th = fontSize + 6;
      const tx = Math.max(0, Math.min(anchor[0], width - tw));
      const ty = anchor[1] - th >= 0 ? anchor[1] - th : Math.max(0, anchor[1]);
      parts.push(`<rect x="${tx}" y="${ty}" width="${tw}" height="${th}" fill="${color}"/>`);
      parts.push(`<text x="${tx + 3}" y="${ty + fontSize}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" fill="#ffffff">${text}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/**
 * Draws boxes (outlines), points (filled dots) and labels (white text on the item's colour) over
 * `img`; returns a new image of the same size. Bad items (non-finite numbers, bad colours) are
 * GlimpseError('bad_input') naming the item's index.
 */
export async function drawOverlay(img: RgbImage, items: OverlayItem[]): Promise<RgbImage> {
  assertRgbImage(img);
  const svg = overlaySvg(img.width, img.height, items);
  if (items.length === 0) return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  return toRgb(sharpFromRgb(img).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]));
}
