import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { parseTubeAnswer } from '../../../src/eval/benchmarks/hc-stvg.js';
import { box3dFrom } from '../../../src/eval/benchmarks/scanrefer.js';
import { createOracleModel, createPredictionsModel } from '../../../src/eval/models/predictions.js';
import { runEval } from '../../../src/eval/runner.js';
import { tempDir, writePredictions } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());
const sampling = { temperature: 0, maxTokens: 64 };

// HC-STVG: 20 s clips at 10 fps (img_num 200); truth frames 50..59 (5.0–5.9 s), box [10,10,30,30] (xywh 10,10,20,20)
const HC = {
  'v1.mp4': { st_frame: 50, ed_frame: 59, bbox: Array.from({ length: 10 }, () => [10, 10, 20, 20]), img_num: 200, img_hw: [100, 200], caption: 'the man in black walks left' },
  'v2.mp4': { st_frame: 0, ed_frame: 9, bbox: Array.from({ length: 10 }, () => [0, 0, 10, 10]), img_num: 200, img_hw: [100, 200], English: 'the woman sits' },
  'v3.mp4': { st_frame: 100, ed_frame: 119, bbox: Array.from({ length: 20 }, () => [50, 50, 10, 10]), img_num: 200, img_hw: [100, 200], caption: 'the boy jumps' },
};

describe('hc-stvg benchmark', () => {
  it('reads the published annotation JSON; the oracle scores 100 %', async () => {
    const data = join(t.dir, 'test.json');
    writeFileSync(data, JSON.stringify(HC));
    const s = await runEval({ benchmark: getBenchmark('hc-stvg'), options: { data, coords: 'norm1000' }, model: createOracleModel(), sampling, out: join(t.dir, 'oracle') });
    expect(s.n).toBe(3);
    expect(s.metrics.m_tIoU).toBeCloseTo(1, 12);
    expect(s.metrics.m_vIoU).toBeCloseTo(1, 6);
    expect(s.metrics['vIoU@0.5']).toBe(1);
  });

  it('computes tIoU over frame sets, vIoU over |P∪G|, and vIoU@R with a strict >', async () => {
    const data = join(t.dir, 'test.json');
    writeFileSync(data, JSON.stringify(HC));
    const preds = join(t.dir, 'p.jsonl');
    writePredictions(preds, [
      // frames 50..59 predicted, box IoU 0.5 everywhere -> tIoU 1, vIoU exactly 0.5 (not > 0.5)
      { id: 'v1.mp4', completion: '<answer>{"span": [5.0, 5.9], "times": {"5.0": [10, 10, 30, 20]}}</answer>' },
      // frames 0..19 predicted (P has 20, G has 10), exact boxes -> tIoU 0.5, vIoU 0.5
      { id: 'v2.mp4', completion: '<answer>{"span": [0, 1.9], "times": {"0.5": [0, 0, 10, 10]}}</answer>' },
      { id: 'v3.mp4', completion: '<answer>I am not sure.</answer>' },
    ]);
    const s = await runEval({ benchmark: getBenchmark('hcstvg'), options: { data }, model: await createPredictionsModel(preds), sampling, out: join(t.dir, 'run') });
    expect(s.metrics.m_tIoU).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(s.metrics.m_vIoU).toBeCloseTo((0.5 + 0.5 + 0) / 3, 12);
    expect(s.metrics['vIoU@0.3']).toBeCloseTo(2 / 3, 12);
    expect(s.metrics['vIoU@0.5']).toBe(0);
    expect(s.failures).toEqual({ unparseable: 1 });
  });

  it('parses span and time-keyed boxes, and falls back to the boxes’ time range', () => {
    const a = parseTubeAnswer('{"span": [1.5, 3], "times": {"1.5": [1, 2, 3, 4], "2.5": [5, 6, 7, 8]}}');
    expect(a.span).toEqual([1.5, 3]);
    expect(a.boxes).toEqual([{ time: 1.5, bbox: [1, 2, 3, 4] }, { time: 2.5, bbox: [5, 6, 7, 8] }]);
    const b = parseTubeAnswer('[{"time": 2, "bbox_2d": [1, 2, 3, 4]}, {"time": 4, "bbox_2d": [1, 2, 3, 4]}]');
    expect(b.span).toEqual([2, 4]);
    expect(parseTubeAnswer('').span).toBeUndefined();
    expect(parseTubeAnswer('x'.repeat(1_000_000)).span).toBeUndefined();
    expect(parseTubeAnswer('{"span": [1, 2], "times": {"1.5": [1, 2, 3').span).toEqual([1, 2]);
  });

  it('names the record and what is missing in a malformed annotation', async () => {
    const data = join(t.dir, 'bad.json');
    writeFileSync(data, JSON.stringify({ 'v.mp4': { st_frame: 0, bbox: [[1, 2, 3, 4]], caption: 'x' } }));
    await expect(getBenchmark('hc-stvg').load({ data })).rejects.toThrow(/bad\.json\["v\.mp4"\]: needs a video name, st_frame, a non-empty bbox list, img_num and caption/);
    writeFileSync(data, JSON.stringify({ 'v.mp4': { st_frame: 0, bbox: [[1, 2, 3]], caption: 'x', img_num: 10 } }));
    await expect(getBenchmark('hc-stvg').load({ data })).rejects.toThrow(/bbox\[0\] = \[1,2,3\] is not \[x, y, w, h\]/);
  });
});

describe('scanrefer benchmark', () => {
  const recs = [
    { scene_id: 'scene0011_00', object_id: '1', object_name: 'chair', ann_id: '0', description: 'the chair by the door', box: { center: [0, 0, 0.5], size: [1, 1, 1] } },
    { scene_id: 'scene0011_00', object_id: '2', object_name: 'chair', ann_id: '0', description: 'the other chair', box: [3, 0, 0.5, 1, 1, 1] },
    { scene_id: 'scene0011_00', object_id: '3', object_name: 'table', ann_id: '0', description: 'the table', aabb: [0, 2, 0, 2, 4, 1] },
    { scene_id: 'scene0012_00', object_id: '1', object_name: 'sofa', ann_id: '1', description: 'the sofa', box: { center: [0, 0, 0], size: [2, 1, 1] }, eval_type: 'multiple' },
  ];

  it('computes Acc@k with IoU ≥ k, split unique/multiple, and derives uniqueness when not given', async () => {
    const data = join(t.dir, 'scanrefer.jsonl');
    writeFileSync(data, recs.map((r) => JSON.stringify(r)).join('\n'));
    const oracle = await runEval({ benchmark: getBenchmark('scanrefer'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'oracle') });
    expect(oracle.metrics['Acc@0.5']).toBe(1);
    expect(oracle.breakdown.type!.unique!.n).toBe(1); // the table; chairs are two of a kind, the sofa is declared multiple
    expect(oracle.breakdown.type!.multiple!.n).toBe(3);
    const preds = join(t.dir, 'p.jsonl');
    writePredictions(preds, [
      // half the box along x: IoU exactly 0.5 -> counts for Acc@0.5 (≥)
      { id: 'scene0011_00|1|0', completion: '<answer>{"center": [-0.25, 0, 0.5], "size": [0.5, 1, 1]}</answer>' },
      // IoU 0.25 exactly: [3,0,0.5]+[1,1,1] vs size [0.25,...] inside
      { id: 'scene0011_00|2|0', completion: '<answer>[3, 0, 0.5, 0.25, 1, 1]</answer>' },
      { id: 'scene0011_00|3|0', completion: '' },
      { id: 'scene0012_00|1|1', completion: 'the sofa is at the wall' },
    ]);
    const s = await runEval({ benchmark: getBenchmark('scanrefer'), options: { data }, model: await createPredictionsModel(preds), sampling, out: join(t.dir, 'run') });
    expect(s.metrics['Acc@0.25']).toBe(0.5);
    expect(s.metrics['Acc@0.5']).toBe(0.25);
    expect(s.metrics['unique Acc@0.25']).toBe(0);
    expect(s.metrics['multiple Acc@0.25']).toBeCloseTo(2 / 3, 12);
    expect(s.failures).toEqual({ empty: 1, unparseable: 1 });
    expect(readFileSync(join(t.dir, 'run', 'report.md'), 'utf8')).toContain('unique/multiple derived from the annotations');
  });

  it('sends rendered scene views (without the scene file’s boxes) to the model', async () => {
    const { mkdirSync } = await import('node:fs');
    const scenes = join(t.dir, 'scenes');
    mkdirSync(scenes);
    const points: number[][] = [];
    for (let i = 0; i < 400; i++) points.push([Math.cos(i) * 2, Math.sin(i) * 2, (i % 10) / 10, 200, 100, 50]);
    writeFileSync(join(scenes, 'scene0011_00.json'), JSON.stringify({ points, boxes: [{ center: [0, 0, 0.5], size: [1, 1, 1], label: 'chair' }] }));
    const data = join(t.dir, 'one.jsonl');
    writeFileSync(data, JSON.stringify(recs[0]) + '\n');
    const seen: number[] = [];
    const model = {
      name: 'views',
      async generate(reqs: Array<{ images?: unknown[] }>, _s: unknown, o: { onResult?: (i: number, g: { text: string }) => unknown } = {}) {
        const out = reqs.map((r) => (seen.push(r.images?.length ?? 0), { text: '<answer>{"center": [0, 0, 0.5], "size": [1, 1, 1]}</answer>' }));
        for (const [i, g] of out.entries()) await o.onResult?.(i, g);
        return out;
      },
    };
    const s = await runEval({ benchmark: getBenchmark('scanrefer'), options: { data, media: scenes }, model, sampling, out: join(t.dir, 'views') });
    expect(seen).toEqual([6]);
    expect(s.metrics['Acc@0.5']).toBe(1);
  });

  it('reads boxes in every accepted shape and rejects the rest', () => {
    expect(box3dFrom({ box: [1, 2, 3, 4, 5, 6, 0.5] })).toEqual({ center: [1, 2, 3], size: [4, 5, 6], yaw: 0.5 });
    expect(box3dFrom({ gt_box: { center: [1, 2, 3], size: [1, 1, 1] } })).toEqual({ center: [1, 2, 3], size: [1, 1, 1] });
    expect(box3dFrom({ aabb: [0, 0, 0, 2, 4, 6] })).toEqual({ center: [1, 2, 3], size: [2, 4, 6] });
    expect(box3dFrom({ box: [1, 2, 3] })).toBeUndefined();
    expect(box3dFrom({ box: { center: [1, 'x', 3], size: [1, 1, 1] } })).toBeUndefined();
    expect(box3dFrom({})).toBeUndefined();
  });

  it('errors on a record without a box, naming the line', async () => {
    const data = join(t.dir, 'bad.jsonl');
    writeFileSync(data, '{"scene_id": "s", "description": "d"}\n');
    await expect(getBenchmark('scanrefer').load({ data })).rejects.toThrow(/bad\.jsonl:1: no usable box/);
  });
});
