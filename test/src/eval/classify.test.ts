import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { matchClass } from '../../../src/eval/benchmarks/timeseries.js';
import { parseDelimited } from '../../../src/eval/loaders/delimited.js';
import { createOracleModel, createPredictionsModel } from '../../../src/eval/models/predictions.js';
import { runEval } from '../../../src/eval/runner.js';
import type { EvalModel } from '../../../src/eval/types.js';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import { jpeg, tempDir, writePredictions } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());
const sampling = { temperature: 0, maxTokens: 64 };

describe('mcq benchmark', () => {
  it('reads an MMBench .tsv with base64 images and quoted multi-line fields; accuracy by category', async () => {
    const img = Buffer.from(await jpeg(16, 16)).toString('base64');
    const tsv = [
      ['index', 'question', 'hint', 'A', 'B', 'C', 'D', 'answer', 'category', 'image'].join('\t'),
      ['1', '"What colour is\nthe square?"', 'nan', 'red', 'grey', 'blue', 'green', 'B', 'color', img].join('\t'),
      ['2', 'How many squares?', 'Count them.', 'one', 'two', '', '', 'A', 'count', img].join('\t'),
      ['3', 'Is it big?', 'nan', 'yes', 'no', '', '', 'B', 'count', img].join('\t'),
    ].join('\n');
    const data = join(t.dir, 'mmbench_dev.tsv');
    writeFileSync(data, tsv);
    // a model that checks it got one image and the lettered options
    const seen: string[] = [];
    const model: EvalModel = {
      name: 'm',
      async generate(reqs, _s, o = {}) {
        const out = reqs.map((r) => {
          seen.push(r.prompt);
          expect(r.images).toHaveLength(1);
          return { text: r.id === '1' ? 'The answer is B.' : r.id === '2' ? '<answer>(C)</answer>' : 'no' };
        });
        for (const [i, g] of out.entries()) await o.onResult?.(i, g);
        return out;
      },
    };
    const s = await runEval({ benchmark: getBenchmark('mmbench'), options: { data, maxPixels: 0 }, model, sampling, out: join(t.dir, 'run') });
    expect(seen[0]).toBe("What colour is\nthe square?\nA. red\nB. grey\nC. blue\nD. green\nAnswer with the option's letter from the given choices directly.");
    expect(seen[1]!.startsWith('Count them.\nHow many squares?\nA. one\nB. two\nAnswer')).toBe(true);
    expect(s.metrics.accuracy).toBeCloseTo(2 / 3, 12); // id 3 answered "no" = option B text
    expect(s.breakdown.category!.color!.metrics.accuracy).toBe(1);
    expect(s.breakdown.category!.count!.metrics.accuracy).toBe(0.5);
  });

  it('reads JSON with option lists, index answers and image paths, and ScienceQA-style parquet', async () => {
    const media = join(t.dir, 'img');
    mkdirSync(media);
    writeFileSync(join(media, 'a.jpg'), await jpeg(8, 8));
    const data = join(t.dir, 'q.jsonl');
    writeFileSync(data, [JSON.stringify({ id: 'q1', question: 'Q?', options: ['x', 'y', 'z'], answer: 2, image: 'a.jpg' }), JSON.stringify({ id: 'q2', question: 'R?', options: { A: 'p', B: 'q' }, answer: 'q' })].join('\n'));
    const s = await runEval({ benchmark: getBenchmark('mcq'), options: { data, media }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.metrics.accuracy).toBe(1);
    const pq = join(t.dir, 'sqa.parquet');
    const img = await jpeg(8, 8);
    writeFileSync(
      pq,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'question', data: ['Which is a mammal?'] },
            { name: 'choices', data: [['shark', 'whale']] },
            { name: 'answer', data: [1n] },
            { name: 'image', data: [{ bytes: img }] },
          ],
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          schema: [
            { name: 'root', num_children: 4 },
            { name: 'question', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
            { name: 'choices', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
            { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
            { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
            { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' },
            { name: 'image', repetition_type: 'OPTIONAL', num_children: 1 },
            { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
          ] as any,
        }),
      ),
    );
    const p = join(t.dir, 'p.jsonl');
    writePredictions(p, [{ id: '0', completion: 'B' }]);
    const s2 = await runEval({ benchmark: getBenchmark('mcq'), options: { data: pq }, model: await createPredictionsModel(p), sampling, out: join(t.dir, 'run2') });
    expect(s2.metrics.accuracy).toBe(1);
  });

  it('rejects questions without options or with an answer outside them', async () => {
    const data = join(t.dir, 'bad.json');
    writeFileSync(data, JSON.stringify([{ question: 'Q?', options: ['only'] }]));
    await expect(getBenchmark('mcq').load({ data })).rejects.toThrow(/bad\.json:1: fewer than 2 options/);
    writeFileSync(data, JSON.stringify([{ question: 'Q?', options: ['a', 'b'], answer: 'E' }]));
    await expect(getBenchmark('mcq').load({ data })).rejects.toThrow(/answer "E" is not an option letter/);
    writeFileSync(join(t.dir, 'x.tsv'), 'a\tb\n1\t2\n');
    await expect(getBenchmark('mcq').load({ data: join(t.dir, 'x.tsv') })).rejects.toThrow(/lacks "question" and "answer"/);
  });

  it('parses quoted delimited text and reports an unclosed quote', () => {
    expect(parseDelimited('a,"b,c","d ""e"""\r\n1,2,3\n', ',', 'f')).toEqual([['a', 'b,c', 'd "e"'], ['1', '2', '3']]);
    expect(() => parseDelimited('a\t"never closed\n', '\t', 'f.tsv')).toThrow(/f\.tsv: a quoted field opened on line 1 is never closed/);
    expect(parseDelimited('', '\t', 'f')).toEqual([]);
  });
});

describe('timeseries benchmark', () => {
  it('reads a UCR .tsv (NaN padding dropped) and reports accuracy and macro-F1', async () => {
    const data = join(t.dir, 'GunPoint_TEST.tsv');
    writeFileSync(data, ['1\t0.1\t0.2\t0.3', '2\t1.5\t-2e-3\t7\tNaN\tNaN', '1\t0\t0\t0', '2\t3\t3\t3'].join('\n'));
    const oracle = await runEval({ benchmark: getBenchmark('ucr'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'o') });
    expect(oracle.metrics).toMatchObject({ accuracy: 1, 'macro-F1': 1 });
    const prompt = JSON.parse(readFileSync(join(t.dir, 'o', 'results.jsonl'), 'utf8').split('\n')[1]!);
    expect(prompt.pred).toEqual({ label: '2', truth: '2' });
    const p = join(t.dir, 'p.jsonl');
    // truth [1,2,1,2]; pred [1,1,?,2] -> acc 0.5; F1(1) = 2·1/(2·1+1+1) = 0.5, F1(2) = 2/(2+0+1) = 2/3
    writePredictions(p, [{ id: '0', completion: '<answer>1</answer>' }, { id: '1', completion: 'class 1' }, { id: '2', completion: 'unsure' }, { id: '3', completion: '<answer>Class: 2</answer>' }]);
    const s = await runEval({ benchmark: getBenchmark('timeseries'), options: { data }, model: await createPredictionsModel(p), sampling, out: join(t.dir, 'r') });
    expect(s.metrics.accuracy).toBe(0.5);
    expect(s.metrics['macro-F1']).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(s.failures).toEqual({ unparseable: 1 });
  });

  it('reads JSONL with channels and named classes; matches labels in free text', async () => {
    const data = join(t.dir, 'har.jsonl');
    writeFileSync(data, [JSON.stringify({ id: 'a', series: [[1, 2], [3, 4]], label: 'walking' }), JSON.stringify({ id: 'b', series: [5, 6, 7], label: 'sitting' })].join('\n'));
    const loaded = await getBenchmark('timeseries').load({ data });
    const items = [];
    for await (const it of loaded.items) items.push(it);
    expect(items[0]!.sample.prompt).toContain('channel 1: 1, 2\nchannel 2: 3, 4');
    expect(items[0]!.sample.prompt).toContain('The classes are: sitting, walking.');
    expect(matchClass('I think it is Walking.', ['sitting', 'walking'])).toBe('walking');
    expect(matchClass('walking or sitting', ['sitting', 'walking'])).toBeUndefined();
    expect(matchClass('the answer is 2.0', ['1', '2'])).toBe('2');
    expect(matchClass('', ['1', '2'])).toBeUndefined();
    expect(matchClass('x'.repeat(1_000_000), ['a', 'b'])).toBeUndefined();
  });

  it('says what was expected for malformed lines', async () => {
    const data = join(t.dir, 'X_TEST.tsv');
    writeFileSync(data, '1\t0.5\tabc\n');
    await expect(getBenchmark('timeseries').load({ data })).rejects.toThrow(/X_TEST\.tsv:1: expected a label then numbers/);
    writeFileSync(data, '\n');
    await expect(getBenchmark('timeseries').load({ data })).rejects.toThrow(/no series found/);
  });
});

describe('svg benchmark', () => {
  it('measures render validity; CLIP and DINO are unavailable; valid renders are shown', async () => {
    const data = join(t.dir, 'svg.jsonl');
    writeFileSync(data, ['{"id": "1", "caption": "a red square"}', '{"id": "2", "caption": "a blue circle"}', '{"id": "3", "caption": "a tree"}', '{"id": "4", "caption": "a cat"}'].join('\n'));
    const p = join(t.dir, 'p.jsonl');
    writePredictions(p, [
      { id: '1', completion: '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="red"/></svg></answer>' },
      { id: '2', completion: '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 10"><circle r="3"/></svg></answer>' },
      { id: '3', completion: 'I would draw a tree.' },
      { id: '4', completion: '<answer><svg xmlns="http://www.w3.org/2000/svg"><rect' },
    ]);
    const s = await runEval({ benchmark: getBenchmark('svg'), options: { data }, model: await createPredictionsModel(p), sampling, out: join(t.dir, 'run') });
    expect(s.metrics).toEqual({ validity: 0.25, CLIP: 'unavailable', DINO: 'unavailable' });
    expect(s.failures).toEqual({ unparseable: 2 });
    expect(s.examples).toEqual(['examples/1.png']);
    const px = await sharp(join(t.dir, 'run', 'examples/1.png')).raw().toBuffer({ resolveWithObject: true });
    expect([px.info.width, px.info.height]).toEqual([256, 256]);
    expect([px.data[0], px.data[1], px.data[2]]).toEqual([255, 0, 0]);
    expect(readFileSync(join(t.dir, 'run', 'report.md'), 'utf8')).toMatch(/\| CLIP \| unavailable \|/);
  });

  it('reports CLIP and DINO scores with a configured model: a red square scores higher for "red" than a blue one', async () => {
    const model = writeTinyClip(join(t.dir, 'tiny-clip'));
    const before = process.env.GLIMPSE_CLIP_MODEL;
    process.env.GLIMPSE_CLIP_MODEL = model;
    try {
      const red = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="red"/></svg>';
      const blue = red.replace('red"/>', 'blue"/>');
      const data = join(t.dir, 'svg2.jsonl');
      writeFileSync(data, [JSON.stringify({ id: 'r', caption: 'red', svg: red }), JSON.stringify({ id: 'b', caption: 'red', svg: red }), JSON.stringify({ id: 'x', caption: 'red', svg: red })].join('\n'));
      const p = join(t.dir, 'p2.jsonl');
      writePredictions(p, [{ id: 'r', completion: `<answer>${red}</answer>` }, { id: 'b', completion: `<answer>${blue}</answer>` }, { id: 'x', completion: 'no svg' }]);
      const s = await runEval({ benchmark: getBenchmark('svg'), options: { data }, model: await createPredictionsModel(p), sampling, out: join(t.dir, 'run2') });
      expect(typeof s.metrics.CLIP).toBe('number');
      expect(typeof s.metrics.DINO).toBe('number');
      const rows = readFileSync(join(t.dir, 'run2', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; values: Record<string, number> });
      const byId = new Map(rows.map((r) => [r.id, r.values]));
      expect(byId.get('r')!.clip!).toBeGreaterThan(byId.get('b')!.clip!);
      expect(byId.get('r')!.dino!).toBeCloseTo(1, 5);
      expect(byId.get('x')?.clip ?? 0).toBe(0);
    } finally {
      if (before === undefined) delete process.env.GLIMPSE_CLIP_MODEL;
      else process.env.GLIMPSE_CLIP_MODEL = before;
    }
  });
});
