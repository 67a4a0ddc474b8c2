import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlgorithmSchema, loadTrainConfig, LoraSchema, OptimSchema, parseTrainConfig, RolloutSchema, TrainConfigSchema } from '../../../src/config/train.js';

describe('train config', () => {
  it('fills published defaults (DAPO clip-higher 0.28, PPO clip 0.2, k3 KL)', () => {
    const c = parseTrainConfig({});
    expect(c.algorithm.clip_low).toBe(0.2);
    expect(c.algorithm.clip_high).toBe(0.28);
    expect(c.algorithm.kl.estimator).toBe('k3');
    expect(c.task).toBe('grounding');
    expect(c.model).toBe('glimpse-tiny');
  });

  it('describes every field', () => {
    const walk = (shape: Record<string, { description?: string }>, path: string) => {
      for (const [k, v] of Object.entries(shape)) expect(v.description, `field ${path}${k}`).toBeTruthy();
    };
    walk(TrainConfigSchema.shape, '');
    walk(RolloutSchema.shape, 'rollout.');
    walk(AlgorithmSchema.shape, 'algorithm.');
    walk(OptimSchema.shape, 'optim.');
    walk(LoraSchema.shape, 'lora.');
  });

  it('checks cross-field rules with actionable messages', () => {
    expect(() => parseTrainConfig({ rollout: { group_size: 1 } })).toThrow(/group_size must be ≥ 2/);
    expect(() => parseTrainConfig({ algorithm: { kl: { mode: 'reward', estimator: 'k3' } } })).toThrow(/k1/);
    expect(() => parseTrainConfig({ steps: 5, optim: { warmup_steps: 10 } })).toThrow(/warmup_steps/);
    expect(() => parseTrainConfig({ rollout: { groupsize: 4 } })).toThrow(/groupsize|Unrecognized/i);
    expect(() => parseTrainConfig({ steps: -1 })).toThrow(/steps/);
    expect(() => parseTrainConfig({ optim: { lr: NaN } })).toThrow(/lr/);
  });

  it('loads YAML files with overrides and reports unreadable or malformed files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-cfg-'));
    const p = join(dir, 'c.yaml');
    writeFileSync(p, 'steps: 7\nrollout:\n  group_size: 4\n');
    const c = await loadTrainConfig(p, { rollout: { max_new_tokens: 16 } });
    expect([c.steps, c.rollout.group_size, c.rollout.max_new_tokens]).toEqual([7, 4, 16]);
    writeFileSync(p, 'steps: [unclosed');
    await expect(loadTrainConfig(p)).rejects.toThrow(/not valid YAML/);
    writeFileSync(p, '- 1\n- 2\n');
    await expect(loadTrainConfig(p)).rejects.toThrow(/mapping/);
    await expect(loadTrainConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read/);
  });
});
