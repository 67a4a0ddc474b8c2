/**
 * End to end with glimpse's real reward pipelines (rewards/compose.ts, the default scorer): the
 * workers import rewards/index.js and compile the pipeline files themselves.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { pipelineDir, post } from './helpers.js';

const IOU = 'rewards:\n  - name: geometry.iou\n';
const GIOU = '{"rewards": [{"name": "geometry.giou"}, {"name": "geometry.iou", "weight": 2}]}';

describe('reward server with the real pipelines', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await startServer({ pipelinesDir: pipelineDir({ 'iou.yaml': IOU, 'both.json': GIOU }), port: 0, workers: 2, defaultPipeline: 'iou', log: () => undefined });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('scores boxes with geometry.iou through /v1/rewards', async () => {
    const gt = { bbox: [10, 20, 110, 220] };
    const r = await post(`${srv.url}/v1/rewards`, {
      items: [
        { id: 'exact', completion: '<think>left</think><answer>{"bbox_2d": [10, 20, 110, 220]}</answer>', sample: { answer: gt } },
        { id: 'half', completion: '<answer>[60, 20, 160, 220]</answer>', sample: { answer: gt } },
        { id: 'none', completion: 'no box here', sample: { answer: gt } },
        { id: 'na', completion: '<answer>[1, 2, 3, 4]</answer>', sample: { answer: { span: [1, 2] } } },
      ],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.json.results.map((x: any) => [x.id, x]));
    expect(byId.exact.reward).toBeCloseTo(1);
    expect(byId.half.reward).toBeCloseTo(1 / 3);
    expect(byId.none.reward).toBe(0);
    expect(byId.none.reasons['geometry.iou']).toBeTruthy();
    expect(byId.na.components['geometry.iou']).toBeNull();
  });

  it('answers OpenRLHF with labels carrying coords and a pipeline', async () => {
    const label = JSON.stringify({ answer: { bbox: [100, 50, 300, 150] }, coords: { image_size: [1000, 500], space: 'norm1000' }, pipeline: 'both' });
    const r = await post(`${srv.url}/get_reward`, {
      query: ['<|im_start|>user\nfind it<|im_end|>\n<|im_start|>assistant\n<answer>[100, 100, 300, 300]</answer><|im_end|>'],
      prompts: ['<|im_start|>user\nfind it<|im_end|>\n<|im_start|>assistant\n'],
      labels: [label],
    });
    expect(r.status).toBe(200);
    // norm1000 [100,100,300,300] over 1000x500 -> [100,50,300,150]: IoU 1, GIoU 1 -> 1 + 2
    expect(r.json.rewards[0]).toBeCloseTo(3);
    expect(r.json.scores[0]).toBe(1);
    expect(r.json.extra_logs['geometry.iou'][0]).toBeCloseTo(1);
    expect(r.json.extra_logs['geometry.giou'][0]).toBeCloseTo(1);
  });

  it('never answers 5xx, whatever the completions and labels (property, real rewards)', async () => {
    const num = fc.oneof(fc.integer({ min: -2000, max: 5000 }), fc.double(), fc.constantFrom(NaN, Infinity, 1e308));
    const completion = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.tuple(num, num, num, num).map((b) => `<think>x</think><answer>{"bbox_2d": [${b.join(', ')}]}</answer>`),
      fc.tuple(num, num, num, num).map((b) => `<answer>[${b.join(',')}]`),
      fc.constantFrom('', '<answer></answer>', '[[[[', '<think><think></think>', 'x'.repeat(100_000)),
    );
    const answer = fc.oneof(
      fc.constant({}),
      fc.tuple(num, num, num, num).map((b) => ({ bbox: b })),
      fc.record({ text: fc.string(), choice: fc.string({ maxLength: 2 }) }),
      fc.jsonValue(),
    );
    const coords = fc.option(fc.record({ image_size: fc.tuple(num, num), space: fc.constantFrom('pixel', 'norm1000', 'norm1', 'weird') }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(completion, answer, coords, fc.constantFrom('iou', 'both')), { minLength: 1, maxLength: 6 }), async (rows) => {
        const r = await post(`${srv.url}/get_reward`, {
          query: rows.map(([c]) => c),
          labels: rows.map(([, a, c, p]) => JSON.stringify({ answer: a, ...(c ? { coords: c } : {}), pipeline: p })),
        });
        expect([200, 400]).toContain(r.status);
        if (r.status === 200) expect(r.json.rewards.every((x: unknown) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
        else expect(r.json.error.message).toMatch(/^labels\[\d+\]/);
      }),
      { numRuns: 120 },
    );
  });

  it('lists the compiled pipelines', async () => {
    const r = (await (await fetch(`${srv.url}/v1/pipelines`)).json()) as any;
    expect(r.default).toBe('iou');
    expect(Object.keys(r.pipelines).sort()).toEqual(['both', 'iou']);
    expect(JSON.stringify(r.pipelines.iou)).toContain('geometry.iou');
  });

  it('refuses to start with a bad pipeline, naming the file and the known rewards', async () => {
    const dir = pipelineDir({ 'ok.yaml': IOU, 'bad.yaml': 'rewards:\n  - name: geometry.iuo\n' });
    await expect(startServer({ pipelinesDir: dir, port: 0, workers: 1, log: () => undefined })).rejects.toThrow(/bad\.yaml: rewards\[0\]: unknown reward "geometry\.iuo"; known rewards: .*geometry\.iou/);
    const params = pipelineDir({ 'p.yaml': 'rewards:\n  - name: geometry.iou\n    params: {nope: 1}\n' });
    await expect(startServer({ pipelinesDir: params, port: 0, workers: 1, log: () => undefined })).rejects.toThrow(/p\.yaml: rewards\[0\] \(geometry\.iou\)/);
  });
});
