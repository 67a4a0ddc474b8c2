import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../../src/policy/model/folder.js';
import { loadTaskData, PromptCache } from '../../../src/train/task-data.js';
import { aggregate, evalSampling, evaluate } from '../../../src/train/evaluate.js';
import { parseTrainConfig } from '../../../src/config/train.js';

describe('held-out evaluation', () => {
  it('scores greedy completions, and with k sampled completions per prompt reports sampled/<metric> means', async () => {
    const policy = await loadPolicy('glimpse-tiny', { seed: 3, threads: 1 });
    const data = await loadTaskData({ task: 'grounding', dataDir: mkdtempSync(join(tmpdir(), 'glimpse-eval-')), seed: 1, trainSize: 1, testSize: 3 });
    const cache = new PromptCache(policy);
    let progress = 0;
    const greedy = await evaluate(policy, data.test, data.pipeline, cache, { maxNewTokens: 6 });
    expect(greedy.examples).toHaveLength(3);
    expect(Object.keys(greedy.metrics).some((k) => k.startsWith('sampled/'))).toBe(false);
    const both = await evaluate(policy, data.test, data.pipeline, cache, { maxNewTokens: 6, sampled: { samples: 2, temperature: 1, seed: 4 }, onProgress: (d) => (progress = d) });
    expect(progress).toBe(3);
    // the greedy part does not change when sampling is added
    expect(both.examples.map((e) => e.completion)).toEqual(greedy.examples.map((e) => e.completion));
    for (const k of ['acc@0.5', 'mIoU', 'reward/mean']) {
      expect(both.metrics[`sampled/${k}`]).toBeGreaterThanOrEqual(0);
      expect(both.metrics[`sampled/${k}`]).toBeLessThanOrEqual(k === 'reward/mean' ? 1.5 : 1);
    }
    // seeded: the same seed gives the same sampled metrics
    const again = await evaluate(policy, data.test, data.pipeline, cache, { maxNewTokens: 6, sampled: { samples: 2, temperature: 1, seed: 4 } });
    expect(again.metrics).toEqual(both.metrics);
    expect(aggregate([])).toEqual({});
  }, 120_000);

  it('eval_sampled in the config turns the sampled part on at the rollout temperature; 0 leaves it off; bad values are refused', () => {
    expect(evalSampling(parseTrainConfig({}))).toEqual({});
    expect(evalSampling(parseTrainConfig({ eval_sampled: 4, seed: 2, rollout: { temperature: 0.7 } }))).toEqual({ sampled: { samples: 4, temperature: 0.7, seed: 2 } });
    expect(() => parseTrainConfig({ eval_sampled: -1 })).toThrow(/eval_sampled/);
    expect(() => parseTrainConfig({ eval_sampled: 1.5 })).toThrow(/eval_sampled/);
  });
});
