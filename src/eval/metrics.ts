/**
 * Aggregation helpers shared by the benchmarks. Comparisons follow the published definitions
 * exactly (see docs/eval.md): RefCOCO Acc@0.5 and HC-STVG vIoU@R use a STRICT `>`; Charades-STA
 * R1@m and ScanRefer Acc@k use `≥`. Values are fractions in [0, 1]; reports show them ×100.
 */
import type { MetricValue, SampleResult } from './types.js';

/** Mean of `values[key]` over results (missing or non-finite counts as 0); NaN for no results. */
export function meanOf(results: readonly SampleResult[], key: string): number {
  if (results.length === 0) return Number.NaN;
  let s = 0;
  for (const r of results) {
    const v = r.values[key];
    s += v !== undefined && Number.isFinite(v) ? v : 0;
  }
  return s / results.length;
}

/** Share of results with `values[key] > threshold` (strict), e.g. RefCOCO Acc@0.5, HC-STVG vIoU@R. */
export function shareAbove(results: readonly SampleResult[], key: string, threshold: number): number {
  if (results.length === 0) return Number.NaN;
  let n = 0;
  for (const r of results) {
    const v = r.values[key];
    if (v !== undefined && v > threshold) n++;
  }
  return n / results.length;
}

/** Share of results with `values[key] ≥ threshold` (inclusive), e.g. Charades-STA R1@m, ScanRefer Acc@k. */
export function shareAtLeast(results: readonly SampleResult[], key: string, threshold: number): number {
  if (results.length === 0) return Number.NaN;
  let n = 0;
  for (const r of results) {
    const v = r.values[key];
    if (v !== undefined && v >= threshold) n++;
  }
  return n / results.length;
}

/**
 * Macro-averaged F1 over classes (scikit-learn `f1_score(average='macro')` semantics over the
 * union of true and predicted labels; a class with no true and no predicted items does not occur).
 * `pred === undefined` (unparseable) counts as a miss of the true class and predicts no class.
 * A class's F1 is 0 when its precision + recall is 0.
 */
export function macroF1(pairs: ReadonlyArray<{ truth: string; pred: string | undefined }>): number {
  if (pairs.length === 0) return Number.NaN;
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const classes = new Set<string>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const { truth, pred } of pairs) {
    classes.add(truth);
    if (pred !== undefined) classes.add(pred);
    if (pred === truth) inc(tp, truth);
    else {
      inc(fn, truth);
      if (pred !== undefined) inc(fp, pred);
    }
  }
  let sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    const denom = 2 * t + (fp.get(c) ?? 0) + (fn.get(c) ?? 0);
    sum += denom === 0 ? 0 : (2 * t) / denom;
  }
  return sum / classes.size;
}

/** Counts of failure kinds (`empty`, `unparseable`) among results. */
export function failureCounts(results: readonly SampleResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) if (r.failure) out[r.failure] = (out[r.failure] ?? 0) + 1;
  return out;
}

/** Group values seen for each breakdown key, e.g. `{ split: ['testA', 'testB'] }`. */
export function groupKeys(results: readonly SampleResult[]): Map<string, string[]> {
  const seen = new Map<string, Set<string>>();
  for (const r of results) {
    for (const [k, v] of Object.entries(r.groups)) {
      if (!seen.has(k)) seen.set(k, new Set());
      seen.get(k)!.add(v);
    }
  }
  const out = new Map<string, string[]>();
  for (const [k, vs] of [...seen.entries()].sort((a, b) => a[0].localeCompare(b[0]))) out.set(k, [...vs].sort());
  return out;
}

/** Renders a metric for a table: percentages with two decimals, other numbers with four. */
export function formatMetric(v: MetricValue | undefined, percent: boolean): string {
  if (v === undefined) return '—';
  if (v === 'unavailable') return 'unavailable';
  if (!Number.isFinite(v)) return 'n/a';
  return percent ? (v * 100).toFixed(2) : v.toFixed(4);
}
