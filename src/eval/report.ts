/**
 * The run's outputs: `metrics.json` (machine-readable; keys are the metric names as published, values
 * are fractions in [0, 1] or means, `null` where undefined) and `report.md` (metric table,
 * breakdowns per split/sub-type, failure reasons, request errors, rendered examples as PNGs in
 * `examples/`). Both are written atomically.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { describeError } from '../util/errors.js';
import { failureCounts, formatMetric, groupKeys } from './metrics.js';
import { METRICS_FILE, REPORT_FILE, type RunManifest } from './results.js';
import type { Benchmark, EvalItem, MetricValue, SampleResult } from './types.js';

export interface GroupMetrics {
  n: number;
  metrics: Record<string, MetricValue | null>;
}

/** The content of `metrics.json`. */
export interface RunSummary {
  benchmark: string;
  model: string;
  data: string;
  /** Samples scored. */
  n: number;
  /** Items in the data (after --limit). */
  total: number;
  /** Samples with no completion (request errors, unreadable media): not scored, retried on a re-run. */
  errors: number;
  metrics: Record<string, MetricValue | null>;
  /** Metrics shown ×100 in reports. */
  percent: string[];
  breakdown: Record<string, Record<string, GroupMetrics>>;
  failures: Record<string, number>;
  /** Files of the rendered examples, relative to the run folder. */
  examples: string[];
}

export interface ReportInput {
  out: string;
  benchmark: Benchmark;
  manifest: RunManifest;
  results: SampleResult[];
  errors: Array<{ id: string; error: string }>;
  total: number;
  reused: number;
  notes: string[];
  examples: EvalItem[];
}

function jsonSafe(m: Record<string, MetricValue>): Record<string, MetricValue | null> {
  const out: Record<string, MetricValue | null> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function excerpt(s: string, n = 300): string {
  const t = s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
  return t.replace(/```/g, "'''");
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'example';
}

/** Computes the summary, writes metrics.json, report.md and example PNGs; returns the summary. */
export async function writeReport(r: ReportInput): Promise<RunSummary> {
  const b = r.benchmark;
  const percent = new Set(b.percentMetrics ?? b.metrics);
  const metrics = jsonSafe(b.aggregate(r.results));
  // the published metrics first, then any extra keys a benchmark reports (e.g. reward components)
  const keys = [...b.metrics, ...Object.keys(metrics).filter((k) => !b.metrics.includes(k))];
  const breakdown: RunSummary['breakdown'] = {};
  for (const [key, values] of groupKeys(r.results)) {
    if (values.length < 2 && key !== 'split') continue;
    breakdown[key] = {};
    for (const v of values) {
      const sub = r.results.filter((x) => x.groups[key] === v);
      breakdown[key]![v] = { n: sub.length, metrics: jsonSafe(b.aggregate(sub)) };
    }
  }
  const failures = failureCounts(r.results);

  // rendered examples
  const exampleFiles: string[] = [];
  const exampleLines: string[] = [];
  const byId = new Map(r.results.map((x) => [x.id, x]));
  for (const item of r.examples) {
    const res = byId.get(item.id);
    if (!res || !b.renderExample) continue;
    let png: Uint8Array | undefined;
    try {
      png = await b.renderExample(item, res);
    } catch (e) {
      exampleLines.push(`- \`${item.id}\`: could not render (${describeError(e)})`);
      continue;
    }
    if (!png) continue;
    const file = `examples/${safeName(item.id)}.png`;
    await writeFileAtomic(join(r.out, file), png);
    exampleFiles.push(file);
    exampleLines.push(
      `### \`${item.id}\``,
      '',
      `![${item.id}](${file})`,
      '',
      `Prompt: ${cell(excerpt(item.sample.prompt, 200))}`,
      '',
      'Completion:',
      '',
      '```',
      excerpt(res.completion, 600),
      '```',
      '',
      `Prediction: \`${JSON.stringify(res.pred ?? null)}\` · truth: \`${JSON.stringify(item.sample.answer)}\` · ${Object.entries(res.values)
        .map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toFixed(3) : String(v)}`)
        .join(', ')}`,
      '',
    );
  }

  const summary: RunSummary = {
    benchmark: b.name,
    model: r.manifest.model,
    data: r.manifest.data,
    n: r.results.length,
    total: r.total,
    errors: r.errors.length,
    metrics,
    percent: keys.filter((m) => percent.has(m)),
    breakdown,
    failures,
    examples: exampleFiles,
  };
  await writeFileAtomic(join(r.out, METRICS_FILE), `${JSON.stringify(summary, null, 2)}\n`);

  const md: string[] = [];
  md.push(`# ${b.name} — ${r.manifest.model}`, '');
  md.push(`- data: \`${r.manifest.data}\`${r.manifest.media ? `, media: \`${r.manifest.media}\`` : ''}`);
  md.push(`- scored **${summary.n}** of ${summary.total} samples${r.reused ? ` (${r.reused} from an earlier run, resumed)` : ''}${summary.errors ? `; **${summary.errors} not scored** (no completion; a re-run retries them)` : ''}`);
  md.push(`- sampling: ${Object.entries(r.manifest.sampling).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
  if (b.paper) md.push(`- benchmark: ${b.paper}`);
  md.push(`- percentages are shares of scored samples ×100 (metrics.json holds fractions)`, '');
  md.push('## Metrics', '', '| metric | value |', '|---|---|');
  for (const m of keys) md.push(`| ${m} | ${formatMetric(metrics[m] ?? undefined, percent.has(m))}${percent.has(m) && typeof metrics[m] === 'number' ? ' %' : ''} |`);
  md.push('');
  for (const [key, groups] of Object.entries(breakdown)) {
    md.push(`## By ${key}`, '', `| ${key} | n | ${keys.join(' | ')} |`, `|---|---|${keys.map(() => '---').join('|')}|`);
    for (const [v, g] of Object.entries(groups)) {
      md.push(`| ${cell(v)} | ${g.n} | ${keys.map((m) => formatMetric(g.metrics[m] ?? undefined, percent.has(m))).join(' | ')} |`);
    }
    md.push('');
  }
  md.push('## Failures', '');
  const nFail = Object.values(failures).reduce((a, c) => a + c, 0);
  if (nFail === 0) md.push('Every completion held a parseable answer.', '');
  else {
    md.push('| kind | count | share |', '|---|---|---|');
    for (const [k, c] of Object.entries(failures)) md.push(`| ${k} | ${c} | ${((c / Math.max(1, summary.n)) * 100).toFixed(1)} % |`);
    md.push('', 'Most frequent reasons:', '');
    const reasons = new Map<string, number>();
    for (const x of r.results) if (x.failure) reasons.set(x.reason ?? x.failure, (reasons.get(x.reason ?? x.failure) ?? 0) + 1);
    for (const [why, c] of [...reasons.entries()].sort((a, c2) => c2[1] - a[1]).slice(0, 8)) md.push(`- ${c} × ${cell(why)}`);
    md.push('');
    const shown = r.results.filter((x) => x.failure).slice(0, 3);
    for (const x of shown) md.push(`- \`${x.id}\` (${x.failure}): \`${cell(excerpt(x.completion, 160)) || '(empty)'}\``);
    md.push('');
  }
  if (r.errors.length) {
    md.push('## Not scored', '');
    const why = new Map<string, number>();
    for (const e of r.errors) why.set(e.error, (why.get(e.error) ?? 0) + 1);
    for (const [w, c] of [...why.entries()].sort((a, c2) => c2[1] - a[1]).slice(0, 8)) md.push(`- ${c} × ${cell(w)}`);
    md.push('');
  }
  if (r.notes.length) md.push('## Data notes', '', ...r.notes.map((n) => `- ${cell(n)}`), '');
  if (exampleLines.length) md.push('## Examples', '', 'Green: ground truth; red: prediction.', '', ...exampleLines);
  await writeFileAtomic(join(r.out, REPORT_FILE), `${md.join('\n')}\n`);
  return summary;
}
