/**
 * The end of a run: `summary.json` (`{"start": {...}, "final": {...}}`, held-out metrics of the
 * starting and final checkpoints), PNG plots of the training curves, a few held-out examples with
 * the model's box (red) and the true box (green) drawn over the image, and `report.md` tying them
 * together.
 */
import { join } from 'node:path';
import type { Sample } from '../../data/schema.js';
import { drawOverlay } from '../../modalities/image/overlay.js';
import { encodePng, sharpFromRgb, toRgb } from '../../modalities/image/encode.js';
import { buildChartSvg } from '../../modalities/timeseries/chart.js';
import { makeSeries } from '../../modalities/timeseries/series.js';
import { renderSvgPng } from '../../modalities/svg/render.js';
import { parseBoxes } from '../../rewards/parse/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { EvalExample } from './evaluate.js';
import type { MetricRow } from './metrics.js';
import type { PromptCache } from './task-data.js';

export const PLOTS: Array<{ key: string; title: string; phase: string }> = [
  { key: 'reward/mean', title: 'reward (mean over rollouts)', phase: 'grpo' },
  { key: 'acc@0.5', title: 'accuracy: IoU > 0.5 (rollouts)', phase: 'grpo' },
  { key: 'kl', title: 'KL to the reference policy', phase: 'grpo' },
  { key: 'response_len', title: 'response length (tokens)', phase: 'grpo' },
  { key: 'loss', title: 'SFT loss', phase: 'sft' },
];

/** Writes the PNG plots of `rows`; returns the files written (relative to `out`). */
export async function writePlots(out: string, rows: readonly MetricRow[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of PLOTS) {
    const pts = rows.filter((r) => r.phase === p.phase && typeof r[p.key] === 'number' && typeof r.step === 'number');
    if (pts.length < 2) continue;
    const values = pts.map((r) => r[p.key] as number);
    // per-step values of a few rollouts are noisy: beside them, their trailing mean over 10 steps
    const channels: Record<string, number[]> = { [p.key]: values };
    if (values.length >= 20) channels['10-step mean'] = trailingMean(values, 10);
    const series = makeSeries(channels, pts.map((r) => r.step as number));
    const { svg } = buildChartSvg(series, { width: 640, height: 360, title: p.title });
    const name = `plot-${p.key.replace(/[^a-z0-9]+/gi, '_')}.png`;
    await writeFileAtomic(join(out, name), await renderSvgPng(svg, { width: 640, height: 360, background: '#ffffff' }));
    files.push(name);
  }
  return files;
}

/** Mean of each value and the `window − 1` before it (fewer at the start). */
export function trailingMean(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/** Draws predicted (red) and true (green) boxes of a few examples; returns the files written. */
export async function writeExamples(out: string, examples: readonly EvalExample[], samples: ReadonlyMap<string, Sample>, cache: PromptCache, count = 4): Promise<string[]> {
  const files: string[] = [];
  for (const ex of examples.slice(0, count)) {
    const s = samples.get(ex.id);
    if (!s || s.media[0]?.kind !== 'image') continue;
    const [img] = await cache.imagesOf(s);
    const enc = await cache.prompt(s);
    if (!img) continue;
    const items: Array<{ bbox: [number, number, number, number]; label: string; color: string }> = [];
    if (s.answer.bbox) items.push({ bbox: s.answer.bbox, label: 'truth', color: '#2e7d32' });
    const found = parseBoxes(ex.completion);
    if (found.ok && found.value[0] && enc.maps[0]) items.push({ bbox: enc.maps[0].boxToOriginal(found.value[0].bbox), label: 'model', color: '#d32f2f' });
    // small synthetic images are enlarged (nearest neighbour) so the boxes can be seen
    const k = Math.max(1, Math.floor(320 / Math.max(img.width, img.height)));
    const big = k === 1 ? img : await toRgb(sharpFromRgb(img).resize(img.width * k, img.height * k, { kernel: 'nearest' }));
    const scaled = items.map((it) => ({ ...it, bbox: it.bbox.map((v) => v * k) as [number, number, number, number] }));
    const name = `example-${files.length + 1}.png`;
    await writeFileAtomic(join(out, name), await encodePng(await drawOverlay(big, scaled)));
    files.push(name);
  }
  return files;
}

export interface ReportInput {
  out: string;
  task: string;
  model: string;
  command: string;
  start: Record<string, number>;
  final: Record<string, number>;
  rows: readonly MetricRow[];
  plots: string[];
  examples: Array<{ file: string; id: string; completion: string }>;
  seconds: number;
  config: unknown;
}

const fmt = (v: number | undefined) => (v === undefined ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3));

export async function writeReport(r: ReportInput): Promise<void> {
  await writeFileAtomic(join(r.out, 'summary.json'), JSON.stringify({ start: r.start, final: r.final }, null, 2) + '\n');
  const keys = [...new Set([...Object.keys(r.start), ...Object.keys(r.final)])].sort((a, b) => (a === 'acc@0.5' ? -1 : b === 'acc@0.5' ? 1 : a.localeCompare(b)));
  const lines = [
    `# glimpse training report`,
    '',
    `- task: **${r.task}**, model: **${r.model}**`,
    `- command: \`${r.command}\``,
    `- wall time: ${(r.seconds / 60).toFixed(1)} min`,
    '',
    '## Held-out metrics',
    '',
    '| metric | start | final | change |',
    '|---|---|---|---|',
    ...keys.map((k) => `| ${k} | ${fmt(r.start[k])} | ${fmt(r.final[k])} | ${r.start[k] !== undefined && r.final[k] !== undefined ? (r.final[k]! - r.start[k]! >= 0 ? '+' : '') + fmt(r.final[k]! - r.start[k]!) : '–'} |`),
    '',
    '"start" is the checkpoint GRPO started from (after the supervised warm start, when one ran); "final" is the last GRPO checkpoint. Both are greedy completions on the held-out split.',
    '',
    '## Training curves',
    '',
    ...r.plots.map((p) => `![${p}](${p})`),
    '',
    '## Held-out examples (final model; green: truth, red: model)',
    '',
    ...r.examples.flatMap((e) => [`### ${e.id}`, '', `![${e.id}](${e.file})`, '', '```', e.completion.slice(0, 400), '```', '']),
    '## Configuration',
    '',
    '```json',
    JSON.stringify(r.config, null, 2),
    '```',
    '',
  ];
  await writeFileAtomic(join(r.out, 'report.md'), lines.join('\n'));
}
