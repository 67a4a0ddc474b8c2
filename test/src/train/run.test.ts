import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../../src/config/train.js';
import { runTraining } from '../../../src/train/run.js';
import { latestCheckpoint, saveCheckpoint } from '../../../src/train/checkpoint.js';
import { MetricsLog } from '../../../src/train/metrics.js';
import { loadPolicy } from '../../../src/policy/model/folder.js';
import { AdamW } from '../../../src/policy/optim/adamw.js';

const tiny = (out: string, steps: number) =>
  parseTrainConfig({
    out, steps, seed: 1, train_size: 8, test_size: 2, eval_samples: 2, micro_batch: 4, checkpoint_every: 1, eval_every: 0, threads: 1,
    sft: { steps: 2, batch_size: 4, warmup_steps: 1 },
    rollout: { prompts_per_step: 1, group_size: 2, max_new_tokens: 6 },
  });

describe('glimpse train (end to end, tiny settings)', () => {
  it('runs SFT then GRPO, writes metrics, checkpoints, summary, report and plots, and resumes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-run-'));
    const r1 = await runTraining(tiny(out, 2), { quiet: true, log: () => {} });
    expect(r1.interrupted).toBe(false);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(summary)).toEqual(['start', 'final']);
    for (const k of ['acc@0.5', 'mIoU', 'reward/mean']) {
      expect(summary.start[k]).toBeGreaterThanOrEqual(0);
      expect(summary.final[k]).toBeGreaterThanOrEqual(0);
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/\| acc@0\.5 \|/);
    expect(readdirSync(out).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(2);
    const rows = new MetricsLog(join(out, 'metrics.jsonl')).read();
    expect(rows.filter((r) => r.phase === 'sft').map((r) => r.step)).toEqual([1, 2]);
    expect(rows.filter((r) => r.phase === 'grpo').map((r) => r.step)).toEqual([1, 2]);
    for (const k of ['reward/mean', 'kl', 'entropy', 'clip_frac', 'response_len', 'tokens_per_s', 'padding_waste', 'micro_batches']) expect(rows.find((r) => r.phase === 'grpo')).toHaveProperty(k);
    for (const r of rows.filter((x) => x.phase === 'grpo')) expect(r.padding_waste as number).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(latestCheckpoint(out)!.state).toMatchObject({ phase: 'grpo', step: 2 });
    // a second run into the same folder needs --resume
    await expect(runTraining(tiny(out, 2), { quiet: true, log: () => {} })).rejects.toThrow(/--resume/);
    // resume continues from step 2 to 3 without redoing SFT
    const r2 = await runTraining(tiny(out, 3), { resume: true, quiet: true, log: () => {} });
    expect(r2.start).toEqual(summary.start);
    const rows2 = new MetricsLog(join(out, 'metrics.jsonl')).read();
    expect(rows2.filter((r) => r.phase === 'sft')).toHaveLength(2);
    expect(rows2.filter((r) => r.phase === 'grpo').map((r) => r.step)).toEqual([1, 2, 3]);
    expect(latestCheckpoint(out)!.state.step).toBe(3);
  }, 300_000);

  it('ends the warm start when validation acc@0.5 reaches sft.stop_at, marks it done, and a resume goes on with GRPO', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-run-'));
    const cfg = (steps: number) => parseTrainConfig({
      out, steps, seed: 1, train_size: 12, test_size: 2, eval_samples: 2, micro_batch: 4, checkpoint_every: 1, threads: 1,
      sft: { steps: 6, batch_size: 4, warmup_steps: 1, stop_at: 0, check_every: 2, val_samples: 3 },
      rollout: { prompts_per_step: 1, group_size: 2, max_new_tokens: 6 },
    });
    const lines: string[] = [];
    await runTraining(cfg(1), { quiet: true, log: (l) => lines.push(l) });
    const rows = new MetricsLog(join(out, 'metrics.jsonl')).read();
    expect(rows.filter((r) => r.phase === 'sft').map((r) => r.step)).toEqual([1, 2]);
    expect(rows.filter((r) => r.phase === 'sft_val').map((r) => r.step)).toEqual([2]);
    expect(lines.join('\n')).toMatch(/warm start ended at step 2/);
    const sftDirs = readdirSync(join(out, 'checkpoints')).filter((d) => d.startsWith('sft-'));
    expect(sftDirs).toContain('sft-step-000002');
    expect(JSON.parse(readFileSync(join(out, 'checkpoints', 'sft-step-000002', 'trainer_state.json'), 'utf8')).done).toBe(true);
    await runTraining(cfg(2), { resume: true, quiet: true, log: () => {} });
    const rows2 = new MetricsLog(join(out, 'metrics.jsonl')).read();
    expect(rows2.filter((r) => r.phase === 'sft')).toHaveLength(2);
    expect(rows2.filter((r) => r.phase === 'grpo').map((r) => r.step)).toEqual([1, 2]);
    // stop_at null: every step runs, no validation
    expect(parseTrainConfig({ sft: { stop_at: null } }).sft.stop_at).toBeNull();
    expect(() => parseTrainConfig({ sft: { stop_at: 1.5 } })).toThrow(/stop_at/);
  }, 300_000);

  it('runs with a KL reference policy and two epochs per rollout batch (micro-batches planned by length)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-run-'));
    const cfg = parseTrainConfig({
      out, steps: 1, seed: 2, train_size: 8, test_size: 2, eval_samples: 2, micro_batch: 2, threads: 1, max_padding_waste: 0.05,
      sft: { steps: 1, batch_size: 4, warmup_steps: 0 },
      rollout: { prompts_per_step: 2, group_size: 2, max_new_tokens: 6 },
      algorithm: { kl: { coef: 0.05 }, epochs: 2 },
    });
    const r = await runTraining(cfg, { quiet: true, log: () => {} });
    expect(r.interrupted).toBe(false);
    const row = new MetricsLog(join(out, 'metrics.jsonl')).read().find((x) => x.phase === 'grpo')!;
    expect(Number.isFinite(row.kl as number) && (row.kl as number) >= 0).toBe(true);
    expect(row.padding_waste as number).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(row.micro_batches as number).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('keeps the previous checkpoint when a save is interrupted, and prunes old ones', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-ckpt-'));
    const policy = await loadPolicy('glimpse-tiny', { seed: 0, threads: 1 });
    const opt = new AdamW(policy.trainableParams(), { lr: 1e-3 });
    for (const step of [1, 2, 3]) await saveCheckpoint(out, policy, opt, { step, phase: 'grpo', config: {}, elapsed: 0 });
    expect(readdirSync(join(out, 'checkpoints')).filter((d) => d.startsWith('grpo-')).sort()).toEqual(['grpo-step-000002', 'grpo-step-000003']);
    // a crash mid-save leaves a temporary folder behind: latest still points to step 3
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(out, 'checkpoints', '.grpo-step-000004.tmp-999'));
    expect(latestCheckpoint(out)!.state.step).toBe(3);
    expect(existsSync(join(latestCheckpoint(out)!.dir, 'model.safetensors'))).toBe(true);
  }, 120_000);
});
