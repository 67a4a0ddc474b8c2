import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { makeSeriesItem, parseTimeseriesTaskOptions, SERIES_PATTERNS, type SeriesPattern } from '../../../data/synthetic/timeseries.js';
import { loadSamplesJsonl } from '../../../data/jsonl.js';
import { compilePipeline } from '../../../rewards/compose.js';
import '../../../rewards/index.js';
import { identityCoordinateMap } from '../../../modalities/coords.js';
import { buildChartSvg, dataToChartPixel, makeSeries, PALETTE } from '../../../modalities/timeseries/index.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/index.js';
import { Rng } from '../../../src/util/rng.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'glimpse-syn-ts-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await closeDefaultSvgPool();
});

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('synthetic timeseries task', () => {
  const task = getSyntheticTask('timeseries');
  const dirA = tmp();

  it('draws each pattern with its signature and no other', () => {
    const rng = new Rng(3);
    const o = parseTimeseriesTaskOptions({});
    const seen = new Set<SeriesPattern>();
    for (let i = 0; i < 200; i++) {
      const it = makeSeriesItem(rng, o);
      seen.add(it.pattern);
      const v = it.values;
      const n = v.length;
      const first = mean(v.slice(0, n / 4));
      const last = mean(v.slice((3 * n) / 4));
      const med = [...v].sort((a, b) => a - b)[n >> 1]!;
      const maxDev = Math.max(...v.map((x) => Math.abs(x - med)));
      if (it.pattern === 'trend') expect(Math.abs(last - first)).toBeGreaterThan(3);
      if (it.pattern === 'level_shift') {
        expect(Math.abs(mean(v.slice(it.at!)) - mean(v.slice(0, it.at!)))).toBeGreaterThan(3.5);
      }
      if (it.pattern === 'spike') {
        expect(Math.abs(v[it.at!]! - med)).toBe(maxDev);
        expect(Math.abs(last - first)).toBeLessThan(2.5);
      }
      if (it.pattern === 'seasonality') expect(Math.abs(last - first)).toBeLessThan(6);
    }
    expect([...seen].sort()).toEqual([...SERIES_PATTERNS].sort());
  });

  it('gives finite series of the asked length and class for any seed and options (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 24, max: 300 }), fc.subarray([...SERIES_PATTERNS], { minLength: 2 }), (seed, length, patterns) => {
        const it = makeSeriesItem(new Rng(seed), parseTimeseriesTaskOptions({ length, patterns }));
        return it.values.length === length && it.values.every(Number.isFinite) && patterns.includes(it.pattern) && (it.at === undefined || (it.at >= 0 && it.at < length));
      }),
      { numRuns: 100 },
    );
  });

  it('generates deterministic splits (JSONL, CSV and PNG byte for byte)', async () => {
    const b = tmp();
    expect((await task.generate(dirA, { seed: 7, splits: { train: 6, test: 3 } })).reused).toBe(false);
    await task.generate(b, { seed: 7, splits: { train: 6, test: 3 } });
    for (const f of ['train.jsonl', 'test.jsonl', 'images/train-000005.png', 'series/test-000002.csv']) {
      expect(readFileSync(join(dirA, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
    expect((await task.generate(dirA, { seed: 7, splits: { train: 6, test: 3 } })).reused).toBe(true);
  }, 60_000);

  it('plots the series where the chart layout says (line pixels at the extreme point)', async () => {
    const { samples, problems } = await loadSamplesJsonl(join(dirA, 'train.jsonl'));
    expect(problems).toEqual([]);
    const line = [1, 3, 5].map((i) => parseInt(PALETTE[0]!.slice(i, i + 2), 16));
    for (const s of samples) {
      expect(SERIES_PATTERNS.map((p) => p.replace('_', ' '))).toContain(s.answer.text);
      const csv = readFileSync(join(dirA, s.meta!.series as string), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
      const { layout } = buildChartSvg(makeSeries({ value: csv }), { width: 224, height: 168 });
      const { data, info } = await sharp(s.media[0]!.path!).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([224, 168]);
      const k = csv.indexOf(Math.max(...csv));
      const [px, py] = dataToChartPixel(layout, [k, csv[k]!]);
      let near = false;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const o = ((Math.round(py) + dy) * info.width + Math.round(px) + dx) * 3;
          if (Math.hypot(data[o]! - line[0]!, data[o + 1]! - line[1]!, data[o + 2]! - line[2]!) < 60) near = true;
        }
      }
      expect(near, `${s.id}: no line pixel at the maximum (${px}, ${py})`).toBe(true);
    }
  });

  it('the pipeline scores the reference solution at the maximum and a wrong label lower', async () => {
    const { samples } = await loadSamplesJsonl(join(dirA, 'test.jsonl'));
    const p = compilePipeline(task.pipeline, { source: 'timeseries' });
    for (const s of samples) {
      const best = p.scoreSync({ completion: task.solution!(s, identityCoordinateMap()), sample: s });
      expect(best.reward).toBeCloseTo(1.5, 6);
      const wrong = SERIES_PATTERNS.find((x) => x.replace('_', ' ') !== s.answer.text)!;
      expect(p.scoreSync({ completion: `<think></think><answer>${wrong}</answer>`, sample: s }).reward).toBeLessThan(best.reward);
      expect(p.scoreSync({ completion: `<think></think><answer>${s.answer.label}</answer>`, sample: s }).reward).toBeCloseTo(1.5, 6);
    }
  });

  it('rejects bad options and split sizes with clear errors', async () => {
    const out = tmp();
    expect(() => parseTimeseriesTaskOptions({ length: 3 })).toThrow(/timeseries task options: length/);
    expect(() => parseTimeseriesTaskOptions({ patterns: ['trend'] })).toThrow(/patterns/);
    expect(() => parseTimeseriesTaskOptions({ patterns: ['trend', 'chaos'] })).toThrow(/patterns/);
    expect(() => parseTimeseriesTaskOptions({ noise: Number.NaN })).toThrow(/noise/);
    expect(() => parseTimeseriesTaskOptions({ patterns: ['trend', 'trend'] })).toThrow(/must not repeat/);
    await expect(task.generate(out, { seed: 1, splits: { train: 1, test: 2e6 } })).rejects.toThrow(/splits.test/);
    expect(() => task.solution!({ id: 'x', prompt: '', media: [], answer: {} }, identityCoordinateMap())).toThrow(/answer.text/);
  });
});
