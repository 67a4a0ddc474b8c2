/**
 * Axis ticks and labels: "nice" steps of 1, 2 or 5 × 10^k for numbers (Heckbert, "Nice numbers
 * for graph labels", Graphics Gems, 1990) and calendar steps (seconds … years, UTC) for dates.
 */

export interface Tick {
  value: number;
  label: string;
}

/** Nice number near `range`: 1, 2, 5 or 10 × 10^k (rounded or ceiling). */
function niceNum(range: number, round: boolean): number {
  const exp = Math.floor(Math.log10(range));
  const f = range / 10 ** exp;
  let nf: number;
  if (round) nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * 10 ** exp;
}

/** Formats `v` for a tick whose step is `step` (enough decimals, exponent for huge/tiny). */
export function formatNumber(v: number, step: number): string {
  if (v === 0 || Math.abs(v) < step * 1e-9) return '0';
  const a = Math.abs(v);
  if (a >= 1e7 || a < 1e-4) {
    const sig = Math.max(1, Math.min(6, Math.floor(Math.log10(a)) - Math.floor(Math.log10(step) + 1e-9) + 1));
    return v.toExponential(sig - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/**
 * Nice ticks covering [min, max], about `target` of them; returns the widened domain too
 * (first and last tick), so the axis starts and ends on a tick.
 */
export function niceTicks(min: number, max: number, target = 6): { ticks: Tick[]; domain: [number, number]; step: number } {
  if (!(max > min)) {
    const c = Number.isFinite(min) ? min : 0;
    const d = c === 0 ? 1 : Math.abs(c) * 0.1;
    return niceTicks(c - d, c + d, target);
  }
  const range = niceNum(max - min, false);
  const step = niceNum(range / Math.max(1, target - 1), true);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: Tick[] = [];
  const n = Math.round((hi - lo) / step);
  for (let i = 0; i <= n && i <= 1000; i++) {
    const v = lo + i * step;
    ticks.push({ value: v, label: formatNumber(v, step) });
  }
  return { ticks, domain: [lo, hi], step };
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const TIME_STEPS = [S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 3 * D, 7 * D, 14 * D];
const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Label of an epoch-ms time, as precise as the step needs (UTC). */
export function formatTime(ms: number, stepMs: number, spanMs: number): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (stepMs >= 360 * D) return String(d.getUTCFullYear());
  if (stepMs >= 28 * D) return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
  if (stepMs >= D) return date;
  const md = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (stepMs >= M) return spanMs > D ? `${md} ${hm}` : hm;
  return spanMs > D ? `${md} ${hm}:${pad(d.getUTCSeconds())}` : `${hm}:${pad(d.getUTCSeconds())}`;
}

/** Calendar ticks for an epoch-ms domain (UTC), about `target` of them, inside [min, max]. */
export function timeTicks(min: number, max: number, target = 6): { ticks: Tick[]; domain: [number, number] } {
  if (!(max > min)) return timeTicks(min - 30 * M, min + 30 * M, target);
  const span = max - min;
  const ideal = span / Math.max(1, target - 1);
  const ticks: Tick[] = [];
  // the calendar step nearest the ideal one (log scale)
  let fixed: number | undefined;
  if (ideal <= 21 * D) fixed = TIME_STEPS.reduce((a, b) => (Math.abs(Math.log(b / ideal)) < Math.abs(Math.log(a / ideal)) ? b : a));
  if (fixed !== undefined && span / fixed <= 1000) {
    for (let v = Math.ceil(min / fixed) * fixed; v <= max && ticks.length <= 1000; v += fixed) ticks.push({ value: v, label: formatTime(v, fixed, span) });
    return { ticks, domain: [min, max] };
  }
  // calendar months (and multiples), from the first month start at or after min
  const months = MONTH_STEPS.find((m) => m * 30 * D >= ideal) ?? Math.ceil(ideal / (30 * D));
  const d = new Date(min);
  let y = d.getUTCFullYear();
  let mo = d.getUTCMonth();
  if (Date.UTC(y, mo, 1) < min) mo++;
  // align to a multiple of the step (months since year 0)
  let total = y * 12 + mo;
  total = Math.ceil(total / months) * months;
  for (;;) {
    y = Math.floor(total / 12);
    mo = total % 12;
    const v = Date.UTC(y, mo, 1);
    if (v > max || ticks.length > 1000) break;
    ticks.push({ value: v, label: formatTime(v, months * 30 * D, span) });
    total += months;
  }
  return { ticks, domain: [min, max] };
}
