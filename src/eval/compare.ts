/**
 * `glimpse eval --compare runA runB`: the metrics of two runs side by side with their difference
 * (B − A), in the published units (percentage points for shares).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GlimpseError } from '../util/errors.js';
import { formatMetric } from './metrics.js';
import { METRICS_FILE } from './results.js';
import type { RunSummary } from './report.js';

/** Reads a run's metrics.json (argument: the run folder or the file itself). */
export function readSummary(path: string): RunSummary {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, METRICS_FILE) : path;
  if (!existsSync(file)) {
    throw new GlimpseError('not_found', `${path}: no ${METRICS_FILE} here (expected a run folder written by \`glimpse eval --out\`)`);
  }
  let v: RunSummary;
  try {
    v = JSON.parse(readFileSync(file, 'utf8')) as RunSummary;
  } catch (e) {
    throw new GlimpseError('corrupt', `${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || typeof v.metrics !== 'object' || v.metrics === null) {
    throw new GlimpseError('corrupt', `${file}: not a glimpse metrics file (no "metrics" object)`);
  }
  return v;
}

/** The comparison table as text lines (one header, one row per metric, sample counts). */
export function compareRuns(a: RunSummary, b: RunSummary, names: [string, string] = ['A', 'B']): string[] {
  const rows: string[][] = [];
  const keys = [...Object.keys(a.metrics)];
  for (const k of Object.keys(b.metrics)) if (!keys.includes(k)) keys.push(k);
  const pct = new Set([...(a.percent ?? []), ...(b.percent ?? [])]);
  for (const k of keys) {
    const va = a.metrics[k];
    const vb = b.metrics[k];
    const p = pct.has(k);
    let d = '';
    if (typeof va === 'number' && typeof vb === 'number') {
      const diff = (vb - va) * (p ? 100 : 1);
      d = `${diff >= 0 ? '+' : ''}${diff.toFixed(p ? 2 : 4)}${p ? ' pp' : ''}`;
    }
    rows.push([k, formatMetric(va ?? undefined, p), formatMetric(vb ?? undefined, p), d]);
  }
  rows.push(['samples', String(a.n ?? '?'), String(b.n ?? '?'), '']);
  const header = ['metric', names[0], names[1], 'Δ (B−A)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
  if (a.benchmark !== b.benchmark) lines.push(`note: different benchmarks (${a.benchmark} vs ${b.benchmark})`);
  return lines;
}
