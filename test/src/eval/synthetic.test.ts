import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { createOracleModel, createPredictionsModel } from '../../../src/eval/models/predictions.js';
import { runEval } from '../../../src/eval/runner.js';
import { tempDir, writePredictions } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());
const sampling = { temperature: 0, maxTokens: 64 };

describe('synthetic benchmark', () => {
  it("scores the grounding task's held-out split with its own pipeline; the oracle gets Acc@0.5 = 100 %", async () => {
    const dir = join(t.dir, 'grounding');
    await getSyntheticTask('grounding').generate(dir, { seed: 7, splits: { train: 0, test: 4 } });
    const data = join(dir, 'test.jsonl');
    const s = await runEval({ benchmark: getBenchmark('synthetic'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'run') });
    expect(s.n).toBe(4);
    expect(s.metrics['Acc@0.5']).toBe(1);
    expect(s.metrics['reward/geometry.iou']).toBeGreaterThan(0.95);
    expect(s.metrics['reward/format.think_answer']).toBe(1);
    expect(s.examples.length).toBeGreaterThan(0);
    expect(readFileSync(join(t.dir, 'run', 'report.md'), 'utf8')).toContain('| reward/geometry.iou |');
  });

  it('uses --pipeline when given, and counts empty answers', async () => {
    const dir = join(t.dir, 'grounding');
    await getSyntheticTask('grounding').generate(dir, { seed: 1, splits: { train: 0, test: 2 } });
    const data = join(dir, 'test.jsonl');
    const pipeline = join(t.dir, 'rewards.yaml');
    writeFileSync(pipeline, 'rewards:\n  - name: geometry.iou\n');
    const ids = readFileSync(data, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as string);
    const p = join(t.dir, 'p.jsonl');
    writePredictions(p, [{ id: ids[0], completion: '' }, { id: ids[1], completion: '<answer>[0, 0, 1, 1]</answer>' }]);
    const s = await runEval({ benchmark: getBenchmark('synthetic'), options: { data, extra: { pipeline } }, model: await createPredictionsModel(p), sampling, out: join(t.dir, 'run') });
    expect(Object.keys(s.metrics).sort()).toEqual(['Acc@0.5', 'reward', 'reward/geometry.iou']);
    expect(s.metrics['Acc@0.5']).toBe(0);
    expect(s.failures).toEqual({ empty: 1 });
  });

  it('errors on a bad pipeline file or a dataset without valid samples', async () => {
    const data = join(t.dir, 'd.jsonl');
    writeFileSync(data, '{"id": "a"}\n');
    await expect(getBenchmark('synthetic').load({ data })).rejects.toThrow(/no valid samples \(line 1: .*\); expected a JSONL file of glimpse Samples/);
    writeFileSync(data, '{"id": "a", "prompt": "p", "answer": {"text": "x"}}\n');
    await expect(getBenchmark('synthetic').load({ data, extra: { pipeline: join(t.dir, 'none.yaml') } })).rejects.toThrow(/cannot read the pipeline file/);
    // a sample without a task and no --pipeline: an error per sample, reported, not a crash
    const s = await runEval({ benchmark: getBenchmark('synthetic'), options: { data }, model: createOracleModel(), sampling, out: join(t.dir, 'run') }).catch((e: Error) => e);
    expect(s).toBeInstanceOf(Error);
    expect((s as Error).message).toMatch(/no "task" and no --pipeline/);
  });
});
