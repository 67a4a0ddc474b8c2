import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { createOracleModel, createPredictionsModel } from '../../../src/eval/models/predictions.js';
import { runEval } from '../../../src/eval/runner.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { jpeg, tempDir, writePredictions, writeRefcocoParquet } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const sampling = { temperature: 0, maxTokens: 64 };

async function parquetFixture(): Promise<string> {
  const dir = join(t.dir, 'RefCOCO', 'data');
  mkdirSync(dir, { recursive: true });
  const img = await jpeg(200, 100);
  writeRefcocoParquet(join(dir, 'val-00000-of-00001.parquet'), [
    { question_id: 'q1', image: img, bbox: [10, 10, 40, 20], answer: 'man on the left' },
    { question_id: 'q2', image: img, bbox: [100, 50, 50, 50], answer: 'dog' },
    { question_id: 'q3', image: img, bbox: [0, 0, 100, 100], answer: 'the whole left half' },
  ]);
  writeRefcocoParquet(join(dir, 'testA-00000-of-00001.parquet'), [{ question_id: 'q4', image: await jpeg(64, 64), bbox: [0, 0, 32, 32], answer: 'corner' }]);
  return join(t.dir, 'RefCOCO');
}

describe('refcoco benchmark', () => {
  it('scores the oracle at Acc@0.5 = 100 % on the lmms-lab parquet layout, per split', async () => {
    const data = await parquetFixture();
    const s = await runEval({ benchmark: getBenchmark('refcoco'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(4);
    expect(s.metrics['Acc@0.5']).toBe(1);
    expect(s.metrics.mIoU).toBeCloseTo(1, 10);
    expect(Object.keys(s.breakdown.split!)).toEqual(['testA', 'val']);
    expect(s.breakdown.split!.val!.n).toBe(3);
    const m = JSON.parse(readFileSync(join(t.dir, 'run', 'metrics.json'), 'utf8'));
    expect(m.metrics['Acc@0.5']).toBe(1);
    const report = readFileSync(join(t.dir, 'run', 'report.md'), 'utf8');
    expect(report).toContain('| Acc@0.5 | 100.00 % |');
    expect(report).toContain('## By split');
    // rendered examples are real PNGs of the original size
    expect(s.examples.length).toBeGreaterThan(0);
    expect(s.examples).toContain('examples/q1.png');
    const meta = await sharp(join(t.dir, 'run', 'examples/q1.png')).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([200, 100]);
  });

  it('uses a strict > 0.5: IoU of exactly 0.5 is a miss; boxes in norm1000 are mapped to pixels', async () => {
    const data = await parquetFixture();
    // q1 truth [10,10,50,30] (xywh 10,10,40,20). Prediction [10,10,30,30] has IoU exactly 0.5.
    // q2 truth [100,50,150,100]; norm1000 over 200x100: [500,500,750,1000] = exact.
    // q3: empty; q4: unparseable
    const preds = join(t.dir, 'p.jsonl');
    writePredictions(preds, [
      { id: 'q1', completion: '<answer>{"bbox_2d": [10, 10, 30, 30]}</answer>' },
      { id: 'q2', completion: '<think>dog</think><answer>[500, 500, 750, 1000]</answer>', coords: { image_size: [200, 100], space: 'norm1000' } },
      { id: 'q3', completion: '   ' },
      { id: 'q4', completion: 'I cannot see a corner.' },
    ]);
    const s = await runEval({ benchmark: getBenchmark('refcoco'), options: { data }, model: await createPredictionsModel(preds), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(4);
    expect(s.metrics['Acc@0.5']).toBe(0.25);
    expect(s.failures).toEqual({ empty: 1, unparseable: 1 });
    const lines = readFileSync(join(t.dir, 'run', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const q1 = lines.find((l) => l.id === 'q1');
    expect(q1.values.iou).toBe(0.5);
    expect(lines.find((l) => l.id === 'q2').values.iou).toBeCloseTo(1, 12);
    const report = readFileSync(join(t.dir, 'run', 'report.md'), 'utf8');
    expect(report).toContain('| unparseable | 1 |');
    expect(report).toContain('| empty | 1 |');
  });

  it('expands a list of sentences per row into one sample each', async () => {
    const p = join(t.dir, 'val.parquet');
    writeRefcocoParquet(p, [{ question_id: 'r', image: await jpeg(20, 20), bbox: [1, 1, 10, 10], answer: ['a', 'b', 'c'] }], true);
    expect((await getBenchmark('refcocog').load({ data: p })).total).toBe(3);
    expect((await getBenchmark('refcocog').load({ data: p, limit: 2 })).total).toBe(2);
    const s = await runEval({ benchmark: getBenchmark('refcocog'), options: { data: p }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(3);
    expect(s.total).toBe(3);
    const ids = readFileSync(join(t.dir, 'run', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids).toEqual(['r#0', 'r#1', 'r#2']);
  });

  it('reads JSON annotations with an image folder, COCO xywh `bbox` and xyxy `solution`', async () => {
    const media = join(t.dir, 'images');
    mkdirSync(media);
    writeFileSync(join(media, 'a.jpg'), await jpeg(100, 80));
    writeFileSync(join(media, 'COCO_train2014_000000000042.jpg'), await jpeg(50, 50));
    const ann = join(t.dir, 'refcoco_val.json');
    writeFileSync(ann, JSON.stringify([
      { id: 1, file_name: 'a.jpg', sentence: 'left box', bbox: [10, 10, 20, 20], split: 'val' },
      { id: 2, image: 'a.jpg', problem: 'right box', solution: [50, 10, 90, 70], split: 'val' },
      { ref_id: 3, image_id: 42, sentences: [{ sent: 'one' }, { sent: 'two' }], bbox: [5, 5, 10, 10], split: 'testB' },
    ]));
    const s = await runEval({ benchmark: getBenchmark('refcoco+'), options: { data: ann, media, coords: 'norm1000' }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(4);
    expect(s.metrics['Acc@0.5']).toBe(1);
    expect(s.breakdown.split!.testB!.n).toBe(2);
  });

  it('reads the VLMEvalKit .tsv layout (base64 image, xyxy answer string)', async () => {
    const img = Buffer.from(await jpeg(40, 30)).toString('base64');
    const p = join(t.dir, 'RefCOCO_VAL.tsv');
    writeFileSync(p, ['index\timage\tquestion\tanswer\tsplit', `7\t${img}\tplayer in white\t[2.5, 0.0, 35.9, 13.41]\tval`, `8\t${img}\tthe ball\t[1, 1, 9, 9]\tval`].join('\n'));
    const s = await runEval({ benchmark: getBenchmark('refcoco'), options: { data: p }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(2);
    expect(s.metrics['Acc@0.5']).toBe(1);
    writeFileSync(p, ['index\timage\tquestion\tanswer', `7\t${img}\tplayer\t[1, 2]`].join('\n'));
    await expect(getBenchmark('refcoco').load({ data: p })).rejects.toThrow(/row 2: answer "\[1, 2\]" is not \[x1, y1, x2, y2\]/);
  });

  it('says what was expected for wrong or incomplete data paths', async () => {
    const b = getBenchmark('refcoco');
    const expectErr = async (p: Promise<unknown>, re: RegExp) => {
      const e = await p.catch((x: unknown) => x);
      expect(isGlimpseError(e)).toBe(true);
      expect((e as Error).message).toMatch(re);
    };
    await expectErr(b.load({ data: join(t.dir, 'nope.parquet') }), /not found; expected a Hugging Face parquet export/);
    mkdirSync(join(t.dir, 'empty'));
    await expectErr(b.load({ data: join(t.dir, 'empty') }), /no \.parquet files/);
    writeFileSync(join(t.dir, 'bad.parquet'), 'PAR1 not really');
    await expectErr(b.load({ data: join(t.dir, 'bad.parquet') }), /not a readable parquet file/);
    writeFileSync(join(t.dir, 'a.json'), '[{"file_name": "x.jpg", "sentence": "s"}]');
    await expectErr(b.load({ data: join(t.dir, 'a.json') }), /a.json:1: no 4-number box/);
    writeFileSync(join(t.dir, 'b.json'), '[{"file_name": "x.jpg", "bbox": [1,2,3,4]}');
    await expectErr(b.load({ data: join(t.dir, 'b.json') }), /not valid JSON/);
    writeFileSync(join(t.dir, 'c.json'), '[{"file_name": "x.jpg", "sentence": "s", "bbox": [1,2,3,4]}]');
    await expectErr(b.load({ data: join(t.dir, 'c.json'), needMedia: true }), /--media is required: expected the folder of COCO/);
    await expectErr(b.load({ data: join(t.dir, 'c.json'), media: join(t.dir, 'nowhere') }), /--media .*nowhere: not found/);
  });

  it('counts a missing image as not scored, not as a crash', async () => {
    const media = join(t.dir, 'images');
    mkdirSync(media);
    const ann = join(t.dir, 'ann.jsonl');
    writeFileSync(ann, '{"id": "x", "file_name": "missing.jpg", "sentence": "s", "bbox": [1, 1, 5, 5]}\n');
    const s = await runEval({ benchmark: getBenchmark('refcoco'), options: { data: ann, media, coords: 'norm1' }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(0);
    expect(s.errors).toBe(1);
    expect(readFileSync(join(t.dir, 'run', 'report.md'), 'utf8')).toMatch(/missing\.jpg.*not found/);
    expect(existsSync(join(t.dir, 'run', 'metrics.json'))).toBe(true);
  });
});
