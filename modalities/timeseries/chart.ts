/**
 * A deterministic SVG line chart of a Series: axes with nice ticks and grid, a legend, one colour
 * per channel (Tableau 10, then dashed repeats), NaN gaps drawn as gaps, single points between
 * gaps as dots, long series downsampled by LTTB (per channel, to about `maxPoints` points: a
 * 448-px wide plot cannot show more than ~2 points per pixel column anyway).
 *
 * The same Series and options give the same SVG text, byte for byte (coordinates are printed with
 * two decimals; no dates or randomness are read).
 *
 * `layout` maps data to chart pixels: x = plot.x + (t − x.domain[0]) / (x.domain[1] − x.domain[0]) · plot.width,
 * y = plot.y + plot.height − (v − y.domain[0]) / (y.domain[1] − y.domain[0]) · plot.height.
 */
import { lttbIndices } from './lttb.js';
import type { Series } from './series.js';
import { niceTicks, timeTicks, type Tick } from './ticks.js';

/** Tableau 10 (Tableau Software's default categorical palette). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export interface ChartOptions {
  /** Chart size in pixels (default 448×448). */
  width?: number;
  height?: number;
  /** Title drawn above the plot. */
  title?: string;
  /** Points per channel after LTTB downsampling (default 2 × plot width). */
  maxPoints?: number;
  /** Font family for labels. */
  fontFamily?: string;
}

export interface ChartLayout {
  width: number;
  height: number;
  /** Plot area in chart pixels. */
  plot: { x: number; y: number; width: number; height: number };
  x: { kind: 'index' | 'number' | 'iso'; domain: [number, number]; ticks: Tick[] };
  y: { domain: [number, number]; ticks: Tick[] };
  /** Colour of each channel, by name order. */
  colors: Array<{ name: string; color: string; dashed: boolean }>;
  /** Points drawn per channel (after downsampling). */
  drawn: number[];
  /** True when no channel has a finite value (the chart says "no data"). */
  empty: boolean;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function clipLabel(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

const f2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** Builds the chart; see the module comment. */
export function buildChartSvg(series: Series, opts: ChartOptions = {}): { svg: string; layout: ChartLayout } {
  const W = opts.width ?? 448;
  const H = opts.height ?? 448;
  const font = opts.fontFamily ?? 'DejaVu Sans, Arial, sans-serif';
  const n = series.length;
  const x = (i: number) => (series.time ? series.time[i]! : i);

  // domains
  let vmin = Infinity;
  let vmax = -Infinity;
  for (const c of series.channels) {
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i]!;
      if (v < vmin) vmin = v;
      if (v > vmax) vmax = v;
    }
  }
  const empty = !(vmin <= vmax);
  if (empty) {
    vmin = 0;
    vmax = 1;
  }
  const xmin = n > 0 ? x(0) : 0;
  const xmax = n > 0 ? x(n - 1) : 1;
  const yt = niceTicks(vmin, vmax, 6);
  const xt = series.timeKind === 'iso' ? timeTicks(xmin, xmax, 5) : niceTicks(xmin, xmax, 6);
  const xdom: [number, number] = series.timeKind === 'iso' ? xt.domain : xmax > xmin ? [xmin, xmax] : xt.domain;
  let xticks = xt.ticks.filter((t) => t.value >= xdom[0] - 1e-9 * Math.abs(xdom[1] - xdom[0]) && t.value <= xdom[1] + 1e-9 * Math.abs(xdom[1] - xdom[0]));

  // layout: room for the longest y label, the legend on top, x labels below
  const fs = Math.max(9, Math.round(Math.min(W, H) / 40));
  const longestY = Math.max(...yt.ticks.map((t) => t.label.length));
  const legend = layoutLegend(series.channels.map((c) => c.name), W, fs);
  const top = Math.round(fs * 0.8) + (opts.title ? fs * 1.6 : 0) + legend.rows * fs * 1.4 + fs * 0.8;
  const left = Math.round(fs * 0.62 * longestY + fs * 1.2);
  const bottom = Math.round(fs * 2.4);
  const right = Math.round(fs * 1.6);
  const plot = { x: left, y: Math.round(top), width: Math.max(10, W - left - right), height: Math.max(10, H - Math.round(top) - bottom) };
  const sx = (v: number) => plot.x + ((v - xdom[0]) / (xdom[1] - xdom[0])) * plot.width;
  const sy = (v: number) => plot.y + plot.height - ((v - yt.domain[0]) / (yt.domain[1] - yt.domain[0])) * plot.height;

  // thin the x ticks until their labels fit side by side
  const labelW = (t: Tick) => [...t.label].length * fs * 0.62;
  const slot = Math.max(0, ...xticks.map(labelW)) + fs;
  const fit = Math.max(2, Math.floor(plot.width / slot) + 1);
  if (xticks.length > fit) {
    const k = Math.ceil(xticks.length / fit);
    xticks = xticks.filter((_, i) => i % k === 0);
  }

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${esc(font)}" font-size="${fs}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="plot"><rect x="${plot.x}" y="${plot.y}" width="${plot.width}" height="${plot.height}"/></clipPath></defs>`);
  if (opts.title) out.push(`<text x="${W / 2}" y="${f2(fs * 1.3)}" text-anchor="middle" font-weight="bold">${esc(clipLabel(opts.title, 80))}</text>`);

  // grid, ticks and labels
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of yt.ticks) {
    const yy = f2(sy(t.value));
    grid.push(`M${plot.x} ${yy}H${plot.x + plot.width}`);
    labels.push(`<text x="${plot.x - fs * 0.5}" y="${yy}" dy="0.35em" text-anchor="end">${esc(t.label)}</text>`);
  }
  for (const t of xticks) {
    const xx = f2(sx(t.value));
    grid.push(`M${xx} ${plot.y}V${plot.y + plot.height}`);
    // keep the label inside the chart
    const hw = labelW(t) / 2;
    const lx = f2(Math.min(Math.max(sx(t.value), hw + 2), W - hw - 2));
    labels.push(`<text x="${lx}" y="${f2(plot.y + plot.height + fs * 1.4)}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  out.push(`<path d="${grid.join('')}" stroke="#e3e3e3" stroke-width="1" fill="none"/>`);
  out.push(`<path d="M${plot.x} ${plot.y}V${plot.y + plot.height}H${plot.x + plot.width}" stroke="#333333" stroke-width="1" fill="none"/>`);
  out.push(`<g fill="#333333">${labels.join('')}</g>`);

  // series
  const maxPoints = Math.max(3, Math.floor(opts.maxPoints ?? plot.width * 2));
  const colors: ChartLayout['colors'] = [];
  const drawn: number[] = [];
  series.channels.forEach((c, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const dashed = k >= PALETTE.length;
    colors.push({ name: c.name, color, dashed });
    const keep = lttbIndices(c.values, maxPoints, series.time ?? undefined);
    drawn.push(keep.length);
    const d: string[] = [];
    const dots: string[] = [];
    for (let j = 0; j < keep.length; j++) {
      const i = keep[j]!;
      const prevI = j > 0 ? keep[j - 1]! : -2;
      const nextI = j + 1 < keep.length ? keep[j + 1]! : -2;
      // a gap lies between two kept points when a NaN sits between them
      const joinsPrev = prevI >= 0 && !hasGap(c.values, prevI, i);
      const joinsNext = nextI >= 0 && !hasGap(c.values, i, nextI);
      const px = f2(sx(x(i)));
      const py = f2(sy(c.values[i]!));
      if (!joinsPrev && !joinsNext) dots.push(`<circle cx="${px}" cy="${py}" r="${f2(Math.max(1.5, fs / 6))}"/>`);
      else d.push(`${joinsPrev ? 'L' : 'M'}${px} ${py}`);
    }
    const dash = dashed ? ` stroke-dasharray="${fs / 2} ${fs / 3}"` : '';
    if (d.length) out.push(`<path clip-path="url(#plot)" d="${d.join('')}" stroke="${color}" stroke-width="${f2(Math.max(1.2, fs / 8))}" fill="none" stroke-linejoin="round"${dash}/>`);
    if (dots.length) out.push(`<g clip-path="url(#plot)" fill="${color}">${dots.join('')}</g>`);
  });

  // legend
  if (legend.items.length > 0) {
    const y0 = Math.round(fs * 0.8) + (opts.title ? fs * 1.6 : 0);
    const items = legend.items.map((it) => {
      const ly = y0 + it.row * fs * 1.4;
      const c = colors[it.index];
      const swatch = c ? `<rect x="${f2(it.x)}" y="${f2(ly + fs * 0.15)}" width="${f2(fs * 1.4)}" height="${f2(fs * 0.7)}" fill="${c.color}"/>` : '';
      return `${swatch}<text x="${f2(it.x + (c ? fs * 1.8 : 0))}" y="${f2(ly + fs * 0.5)}" dy="0.35em">${esc(it.label)}</text>`;
    });
    out.push(`<g fill="#333333">${items.join('')}</g>`);
  }
  if (empty) out.push(`<text x="${f2(plot.x + plot.width / 2)}" y="${f2(plot.y + plot.height / 2)}" text-anchor="middle" fill="#888888">no data</text>`);
  out.push('</svg>');
  return {
    svg: out.join(''),
    layout: { width: W, height: H, plot, x: { kind: series.timeKind, domain: xdom, ticks: xticks }, y: { domain: yt.domain, ticks: yt.ticks }, colors, drawn, empty },
  };
}

/**
 * Flowing legend: items left to right, wrapped at the chart width, at most 3 rows; names over 24
 * characters are shortened; what does not fit becomes "+k more" (index −1).
 */
function layoutLegend(names: string[], W: number, fs: number): { rows: number; items: Array<{ index: number; label: string; x: number; row: number }> } {
  const items: Array<{ index: number; label: string; x: number; row: number }> = [];
  const charW = fs * 0.62;
  let x = 10;
  let row = 0;
  for (let k = 0; k < names.length; k++) {
    const label = clipLabel(names[k]!.replace(/\s+/g, ' '), 24);
    const w = fs * 1.8 + [...label].length * charW + fs * 1.2;
    if (x + w > W - 10 && x > 10) {
      row++;
      x = 10;
    }
    if (row >= 3) {
      // no room: the last item of the third row becomes "+k more"
      const last = items.pop()!;
      items.push({ index: -1, label: `+${names.length - last.index} more`, x: last.x, row: 2 });
      return { rows: 3, items };
    }
    items.push({ index: k, label, x, row });
    x += w;
  }
  return { rows: names.length ? row + 1 : 0, items };
}

/** True when a non-finite value lies strictly between indices a < b. */
function hasGap(v: Float64Array, a: number, b: number): boolean {
  for (let i = a + 1; i < b; i++) if (!Number.isFinite(v[i]!)) return true;
  return false;
}

/** Chart pixel -> data coordinates (x in time units / index, y in value units). */
export function chartPixelToData(layout: ChartLayout, p: [number, number]): [number, number] {
  const { plot, x, y } = layout;
  return [x.domain[0] + ((p[0] - plot.x) / plot.width) * (x.domain[1] - x.domain[0]), y.domain[0] + ((plot.y + plot.height - p[1]) / plot.height) * (y.domain[1] - y.domain[0])];
}

/** Data coordinates -> chart pixel. */
export function dataToChartPixel(layout: ChartLayout, d: [number, number]): [number, number] {
  const { plot, x, y } = layout;
  return [plot.x + ((d[0] - x.domain[0]) / (x.domain[1] - x.domain[0])) * plot.width, plot.y + plot.height - ((d[1] - y.domain[0]) / (y.domain[1] - y.domain[0])) * plot.height];
}
