import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { parseCharadesLine } from '../../../src/eval/benchmarks/charades-sta.js';
import { createOracleModel, createPredictionsModel } from '../../../src/eval/models/predictions.js';
import { runEval } from '../../../src/eval/runner.js';
import { tempDir, writePredictions } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());
const sampling = { temperature: 0, maxTokens: 64 };

const TXT = ['3MSZA 24.3 30.4##person turn a light on.', 'AO8RW 0.0 10.0##a person is putting a book on a shelf.', '', 'AO8RW 10 20##person opens the door.', 'Y6R7T 5 15##person sits down.', 'Z1Z1Z 8 4##inverted line.'].join('\n');

describe('charades-sta benchmark', () => {
  it('parses the published line format and rejects malformed lines by line number', () => {
    expect(parseCharadesLine('3MSZA 24.3 30.4##person turn a light on.', 'f:1')).toEqual({ vid: '3MSZA', span: [24.3, 30.4], sentence: 'person turn a light on.' });
    expect(parseCharadesLine('   ', 'f:2')).toBeUndefined();
    expect(() => parseCharadesLine('3MSZA 24.3 30.4 person', 'f:3')).toThrow(/f:3: no "##"/);
    expect(() => parseCharadesLine('3MSZA x 30.4##s', 'f:4')).toThrow(/f:4: .* is not "VIDEO_ID START END"/);
    expect(() => parseCharadesLine('3MSZA 1 NaN##s', 'f:5')).toThrow(/f:5/);
    expect(() => parseCharadesLine('3MSZA 1 2##', 'f:6')).toThrow(/empty sentence/);
  });

  it('computes R1@m with tIoU ≥ m (inclusive) and mIoU; the oracle scores 100 %', async () => {
    const data = join(t.dir, 'charades_sta_test.txt');
    writeFileSync(data, TXT);
    const oracle = await runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'oracle') });
    expect(oracle.n).toBe(4); // the inverted line is skipped with a note
    expect(oracle.metrics).toMatchObject({ 'R1@0.3': 1, 'R1@0.5': 1, 'R1@0.7': 1 });
    expect(readFileSync(join(t.dir, 'oracle', 'report.md'), 'utf8')).toMatch(/:6: skipped, end 4 is not after start 8/);

    const preds = join(t.dir, 'preds.jsonl');
    writePredictions(preds, [
      { id: '3MSZA#1', completion: '<answer>0 - 5</answer>' }, // tIoU 0
      { id: 'AO8RW#2', completion: '<think>..</think><answer>0.0 to 5.0 seconds</answer>' }, // exactly 0.5
      { id: 'AO8RW#4', completion: 'The event is [10, 17].' }, // 0.7 exactly
      { id: 'Y6R7T#5', completion: '<answer>later</answer>' }, // unparseable
    ]);
    const s = await runEval({ benchmark: getBenchmark('charades'), options: { data }, model: await createPredictionsModel(preds), sampling, out: join(t.dir, 'run') });
    expect(s.metrics['R1@0.3']).toBe(0.5);
    expect(s.metrics['R1@0.5']).toBe(0.5);
    expect(s.metrics['R1@0.7']).toBe(0.25);
    expect(s.metrics.mIoU).toBeCloseTo((0 + 0.5 + 0.7 + 0) / 4, 12);
    expect(s.failures).toEqual({ unparseable: 1 });
    // timeline pictures
    expect(s.examples.length).toBeGreaterThan(0);
    const meta = await sharp(join(t.dir, 'run', s.examples[0]!)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 800, 120]);
  });

  it('errors clearly on a wrong data path, an empty file and a missing media folder', async () => {
    const b = getBenchmark('charades-sta');
    await expect(b.load({ data: join(t.dir, 'nope.txt') })).rejects.toThrow(/not found; expected charades_sta_test.txt: lines "VIDEO_ID START END##sentence"/);
    await expect(b.load({ data: t.dir })).rejects.toThrow(/is a folder; expected charades_sta_test.txt/);
    writeFileSync(join(t.dir, 'e.txt'), '\n\n');
    await expect(b.load({ data: join(t.dir, 'e.txt') })).rejects.toThrow(/no queries found/);
    writeFileSync(join(t.dir, 'ok.txt'), TXT);
    await expect(b.load({ data: join(t.dir, 'ok.txt'), needMedia: true })).rejects.toThrow(/--media is required: expected the folder of Charades videos/);
  });
});
