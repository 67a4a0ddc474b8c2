import { describe, expect, it } from 'vitest';
import '../../../rewards/index.js';
import { compilePipeline } from '../../../rewards/compose.js';
import { createCoordinateMap } from '../../../modalities/coords.js';
import type { Sample } from '../../../data/schema.js';
import type { RewardInput } from '../../../rewards/types.js';
import { RolloutScorer } from '../../../src/train/reward-workers.js';

const STAND_IN = new URL('../server/fixtures/stand-in-scorer.ts', import.meta.url).href;
const sample = { id: 's', prompt: 'Find the small red circle; answer its bbox_2d.', media: [], answer: { bbox: [20, 20, 60, 60] }, task: 'grounding' } as unknown as Sample;
const grounding = compilePipeline({ rewards: [{ name: 'format.think_answer', weight: 0.5 }, { name: 'geometry.iou', weight: 1, params: { coords: 'pixel' } }] }, { name: 'grounding' });
// the model saw the 200×200 original at 100×100: its boxes are half size
const coords = createCoordinateMap({ original: [200, 200], input: [100, 100] });
const completions = [
  '<think></think><answer>{"bbox_2d": [10, 10, 30, 30]}</answer>',
  '<think>x</think><answer>{"bbox_2d": [12, 9, 33, 31]}</answer>',
  '',
  '<think></think><answer>{"bbox_2d": [NaN, 1e999, -0, 5]}</answer>',
  '<think>日本語 🙂</think><answer>[1, 2, 3',
  'x'.repeat(1 << 20),
  '<answer>{"bbox_2d": [10, 10, 30, 30]',
];
const inputs: RewardInput[] = completions.map((completion) => ({ completion, sample, coords }));

describe('rollout rewards in worker threads', () => {
  it('give exactly the rewards of the same pipeline scored in the trainer thread, hostile completions included', async () => {
    const local = await RolloutScorer.create(grounding, { workers: 0, timeoutS: 30, source: 'test' });
    const pooled = await RolloutScorer.create(grounding, { workers: 2, timeoutS: 30, source: 'test' });
    try {
      expect(pooled.workers).toBe(2);
      const a = await local.score(inputs);
      const b = await pooled.score(inputs);
      expect(b).toHaveLength(inputs.length);
      expect(b.map((x) => x.reward)).toEqual(a.map((x) => x.reward));
      expect(b.map((x) => x.components)).toEqual(a.map((x) => x.components));
      // the box in model pixels is doubled to the original: a perfect match, IoU 1
      expect(b[0]!.components['geometry.iou']).toBe(1);
      expect(b[2]!.reward).toBe(0);
      for (const x of b) expect(Number.isFinite(x.reward)).toBe(true);
      expect(await pooled.score([])).toEqual([]);
    } finally {
      await Promise.all([local.close(), pooled.close()]);
    }
  }, 60_000);

  it('a reward that hangs or kills its worker costs that share of the step its rewards (0, with the reason), not the run', async () => {
    const lines: string[] = [];
    const slow = { spec: { rewards: [{ name: 'stub.slow', params: { ms: 5000 } }] } } as unknown as Parameters<typeof RolloutScorer.create>[0];
    const s = await RolloutScorer.create(slow, { workers: 1, timeoutS: 0.3, source: 'slow.yaml', scorerModule: STAND_IN, log: (l) => lines.push(l) });
    try {
      const r = await s.score(inputs.slice(0, 3));
      expect(r.map((x) => x.reward)).toEqual([0, 0, 0]);
      expect(r[0]!.reasons.pipeline).toMatch(/reward scoring failed: .*deadline/);
      expect(lines.join('\n')).toMatch(/3 completions score 0/);
    } finally {
      await s.close();
    }
    const dying = { spec: { rewards: [{ name: 'stub.exit' }] } } as unknown as Parameters<typeof RolloutScorer.create>[0];
    const d = await RolloutScorer.create(dying, { workers: 1, timeoutS: 10, source: 'exit.yaml', scorerModule: STAND_IN });
    try {
      const r = await d.score(inputs.slice(0, 2));
      expect(r.map((x) => x.reward)).toEqual([0, 0]);
      expect(r[1]!.reasons.pipeline).toMatch(/reward scoring failed/);
    } finally {
      await d.close();
    }
  }, 60_000);

  it('a pipeline the workers cannot compile fails at start, naming its source; a bad worker count is refused', async () => {
    const bad = { spec: { rewards: [{ name: 'no.such.reward' }] } } as unknown as Parameters<typeof RolloutScorer.create>[0];
    await expect(RolloutScorer.create(bad, { workers: 1, timeoutS: 10, source: 'my-pipeline.yaml' })).rejects.toThrow(/my-pipeline\.yaml.*no\.such\.reward|no\.such\.reward.*my-pipeline\.yaml/s);
    await expect(RolloutScorer.create(grounding, { workers: -1, timeoutS: 10, source: 'x' })).rejects.toThrow(/integer ≥ 0/);
    await expect(RolloutScorer.create(grounding, { workers: 1.5, timeoutS: 10, source: 'x' })).rejects.toThrow(/integer ≥ 0/);
  }, 60_000);
});
