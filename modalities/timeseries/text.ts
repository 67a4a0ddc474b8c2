/**
 * A compact text form of a Series for text-only prompts (LLM time-series QA baselines feed the
 * numbers as text): one header line, per-channel statistics, then the values at up to
 * `maxPoints` evenly spaced rows (the same rows for every channel, so columns line up), numbers
 * with `digits` significant digits and `NaN` for gaps.
 *
 * @example
 *   serializeSeries(makeSeries({ temp: [20.5, 21, NaN, 22.25] }))
 *   // series: 1 channel, 4 points, x = index 0..3
 *   // temp: min 20.5 max 22.25 mean 21.25 nan 1
 *   // [x]: 0,1,2,3
 *   // temp: 20.5,21,NaN,22.25
 */
import type { Series } from './series.js';

export interface SerializeOptions {
  /** Most rows listed (evenly spaced, first and last included); default 64. */
  maxPoints?: number;
  /** Significant digits of values; default 4. */
  digits?: number;
}

function num(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
  if (v === 0) return '0';
  const s = v.toPrecision(digits);
  return s.includes('e') ? s.replace(/\.?0+e/, 'e').replace('e+', 'e') : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function timeLabel(series: Series, i: number, digits: number): string {
  if (!series.time) return String(i);
  const t = series.time[i]!;
  return series.timeKind === 'iso' ? new Date(t).toISOString().replace('.000Z', 'Z') : num(t, Math.max(digits, 10));
}

/** The text form of `series`; see the module comment. */
export function serializeSeries(series: Series, opts: SerializeOptions = {}): string {
  const maxPoints = Math.max(2, Math.floor(opts.maxPoints ?? 64));
  const digits = Math.max(1, Math.min(17, Math.floor(opts.digits ?? 4)));
  const n = series.length;
  const nc = series.channels.length;
  const lines: string[] = [];
  const xdesc = n === 0 ? 'no points' : series.time ? `${series.timeKind === 'iso' ? 'time' : 't'} = ${timeLabel(series, 0, digits)}..${timeLabel(series, n - 1, digits)}` : `x = index 0..${n - 1}`;
  const rows: number[] = [];
  if (n <= maxPoints) for (let i = 0; i < n; i++) rows.push(i);
  else for (let k = 0; k < maxPoints; k++) rows.push(Math.round((k * (n - 1)) / (maxPoints - 1)));
  lines.push(`series: ${nc} channel${nc === 1 ? '' : 's'}, ${n} point${n === 1 ? '' : 's'}, ${xdesc}${rows.length < n ? ` (${rows.length} evenly spaced rows listed)` : ''}`);
  for (const c of series.channels) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      cnt++;
    }
    const name = c.name.replace(/[\r\n:]+/g, ' ');
    lines.push(cnt === 0 ? `${name}: no data` : `${name}: min ${num(min, digits)} max ${num(max, digits)} mean ${num(sum / cnt, digits)}${cnt < n ? ` nan ${n - cnt}` : ''}`);
  }
  if (n > 0) {
    lines.push(`[${series.time ? (series.timeKind === 'iso' ? 'time' : 't') : 'x'}]: ${rows.map((i) => timeLabel(series, i, digits)).join(',')}`);
    for (const c of series.channels) lines.push(`${c.name.replace(/[\r\n:]+/g, ' ')}: ${rows.map((i) => num(c.values[i]!, digits)).join(',')}`);
  }
  return lines.join('\n');
}
