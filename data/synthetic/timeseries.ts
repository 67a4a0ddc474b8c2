/**
 * Synthetic time-series classification on plotted series: one noisy series that shows exactly
 * one of four patterns — `trend` (a steady rise or fall), `seasonality` (a sine cycle),
 * `spike` (one outlier point), `level shift` (a step change of the mean) — is written as CSV and
 * plotted through the time-series modality (timeseriesAdapter: deterministic SVG line chart
 * rendered to RGB), saved as a PNG. The model answers the pattern's name (Sample `answer.text`,
 * also `answer.label` as an identifier), scored by accuracy.text (SQuAD-normalised exact match:
 * `level_shift` and `Level shift.` both match `level shift`) + format.
 *
 * Deterministic by seed: the same seed gives byte-identical JSONL, CSV and PNG files.
 *
 * Model answer format: <think>…</think><answer>level shift</answer>
 */
import { join } from 'node:path';
import { z } from 'zod';
import { formatZodError, type SampleInput } from '../schema.js';
import { encodeRgbPng } from '../../modalities/svg/png.js';
import { timeseriesAdapter } from '../../modalities/timeseries/index.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { GlimpseError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import type { SyntheticTask } from './index.js';
import { checkSplitSizes } from './svg.js';
import { manifestMatches, writeManifest, writeSplit, type TaskManifest } from './write.js';

/** The classes, as identifiers; the answer text replaces `_` by a space. */
export const SERIES_PATTERNS = ['trend', 'seasonality', 'spike', 'level_shift'] as const;
export type SeriesPattern = (typeof SERIES_PATTERNS)[number];

export const TimeseriesTaskOptionsSchema = z
  .object({
    length: z.number().int().min(24).max(10_000).default(96).describe('points per series'),
    width: z.number().int().min(64).max(2048).default(224).describe('chart width in pixels'),
    height: z.number().int().min(64).max(2048).default(168).describe('chart height in pixels'),
    noise: z.number().min(0).max(10).default(1).describe('standard deviation of the Gaussian noise; pattern sizes are multiples of 1 (4–12 σ at noise 1)'),
    patterns: z.array(z.enum(SERIES_PATTERNS)).min(2).default([...SERIES_PATTERNS]).describe('classes to draw from (at least two)'),
  })
  .strict()
  .refine((o) => new Set(o.patterns).size === o.patterns.length, { message: 'patterns must not repeat', path: ['patterns'] });
export type TimeseriesTaskOptions = z.input<typeof TimeseriesTaskOptionsSchema>;
type Resolved = z.output<typeof TimeseriesTaskOptionsSchema>;

export function parseTimeseriesTaskOptions(o: unknown): Resolved {
  const r = TimeseriesTaskOptionsSchema.safeParse(o ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `timeseries task options: ${formatZodError(r.error)}`);
  return r.data;
}

export interface SeriesItem {
  pattern: SeriesPattern;
  values: number[];
  /** Where the pattern is: the spike's index or the shift's first index (else undefined). */
  at?: number;
}

/** The answer text of a pattern (`level_shift` → `level shift`). */
export const patternText = (p: SeriesPattern): string => p.replace('_', ' ');

/** Draws one series of the given (or a random) pattern. */
export function makeSeriesItem(rng: Rng, o: Resolved): SeriesItem {
  const pattern = rng.pick(o.patterns);
  const n = o.length;
  const base = rng.uniform(-10, 10);
  const sign = rng.next() < 0.5 ? -1 : 1;
  const values = new Array<number>(n);
  let at: number | undefined;
  const slope = (sign * rng.uniform(6, 10)) / n;
  const amp = rng.uniform(3, 5);
  const period = n / rng.uniform(3, 6);
  const phase = rng.uniform(0, 2 * Math.PI);
  if (pattern === 'spike') at = rng.int(Math.floor(n * 0.15), Math.ceil(n * 0.85));
  if (pattern === 'level_shift') at = rng.int(Math.floor(n * 0.3), Math.ceil(n * 0.7));
  const jump = sign * rng.uniform(8, 12);
  const step = sign * rng.uniform(5, 7);
  for (let i = 0; i < n; i++) {
    let v = base + o.noise * rng.normal();
    if (pattern === 'trend') v += slope * i;
    else if (pattern === 'seasonality') v += amp * Math.sin((2 * Math.PI * i) / period + phase);
    else if (pattern === 'spike' && i === at) v += jump;
    else if (pattern === 'level_shift' && i >= at!) v += step;
    values[i] = Math.round(v * 1000) / 1000;
  }
  return at === undefined ? { pattern, values } : { pattern, values, at };
}

/** The instruction (the same for every sample; the classes are listed in `patterns` order). */
export function timeseriesPrompt(patterns: readonly SeriesPattern[]): string {
  const names = patterns.map(patternText);
  return `The chart plots one time series. Which pattern does it show: ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}? Answer with the pattern's name.`;
}

/** CSV text of a series (`t,value`). */
export function seriesCsv(values: readonly number[]): string {
  return `t,value\n${values.map((v, i) => `${i},${v}`).join('\n')}\n`;
}

/** Renders a CSV file through the time-series adapter; returns PNG bytes and the chart layout. */
export async function renderSeriesChart(csvPath: string, o: Resolved): Promise<{ png: Uint8Array; layout: unknown }> {
  const p = await timeseriesAdapter.prepare({ kind: 'timeseries', path: csvPath }, { size: [o.width, o.height], text: 'image' });
  const img = p.images[0]!;
  return { png: encodeRgbPng(img.width, img.height, img.data), layout: p.meta?.layout };
}

/** The `timeseries` synthetic task (see the module comment). */
export const timeseriesTask: SyntheticTask = {
  name: 'timeseries',
  description: 'time-series classification on plotted series: trend / seasonality / spike / level shift (accuracy.text)',
  pipeline: {
    rewards: [
      { name: 'format.think_answer', weight: 0.5 },
      { name: 'accuracy.text', weight: 1 },
    ],
  },
  solution(sample) {
    const t = sample.answer.text;
    if (typeof t !== 'string') throw new GlimpseError('bad_input', `sample ${sample.id} has no answer.text`);
    return `<think></think><answer>${t}</answer>`;
  },
  async generate(out, { seed, splits, options = {} }) {
    checkSplitSizes('timeseries', splits);
    const o = parseTimeseriesTaskOptions(options);
    const manifest: TaskManifest = { task: 'timeseries', version: 1, seed, splits, options: o };
    const files = [join(out, 'train.jsonl'), join(out, 'test.jsonl')];
    if (manifestMatches(out, manifest)) return { reused: true, files };
    const prompt = timeseriesPrompt(o.patterns);
    for (const [split, count, offset] of [['train', splits.train, 0], ['test', splits.test, 1]] as const) {
      const rng = new Rng(seed * 2 + offset);
      const samples: SampleInput[] = [];
      for (let i = 0; i < count; i++) {
        const item = makeSeriesItem(rng, o);
        const stem = `${split}-${String(i).padStart(6, '0')}`;
        const csv = `series/${stem}.csv`;
        const image = `images/${stem}.png`;
        await writeFileAtomic(join(out, csv), seriesCsv(item.values));
        const { png } = await renderSeriesChart(join(out, csv), o);
        await writeFileAtomic(join(out, image), png);
        samples.push({
          id: `${split}-${i}`,
          prompt,
          media: [{ kind: 'image', path: image }],
          answer: { text: patternText(item.pattern), label: item.pattern },
          task: 'timeseries',
          meta: { series: csv, ...(item.at !== undefined ? { at: item.at } : {}) },
        });
      }
      await writeSplit(out, split, samples);
    }
    await writeManifest(out, manifest);
    return { reused: false, files };
  },
};
