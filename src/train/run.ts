/**
 * `glimpse train` end to end: data (synthetic task or JSONL), policy (preset or folder, or the
 * run's latest checkpoint with --resume), supervised warm start for a randomly initialised
 * preset, held-out evaluation of the starting checkpoint, GRPO, final evaluation and report.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../config/train.js';
import { loadPolicy, loadPolicyFolder } from '../policy/model/folder.js';
import { modelPresetNames } from '../policy/model/config.js';
import type { QwenVLPolicy } from '../policy/model/policy.js';
import { writeFileAtomic } from '../util/atomic.js';
import { GlimpseError } from '../util/errors.js';
import { latestCheckpoint, OPTIMIZER_FILE } from './checkpoint.js';
import { evalSampling, evaluate } from './evaluate.js';
import { runGrpo } from './grpo.js';
import { StopSignal } from './interrupt.js';
import { MetricsLog } from './metrics.js';
import { Progress } from './progress.js';
import { writeExamples, writePlots, writeReport } from './report.js';
import { runSft } from './sft.js';
import { loadTaskData, PromptCache, type TaskData } from './task-data.js';

export interface RunOptions {
  resume?: boolean;
  quiet?: boolean;
  /** The command line, for the report. */
  command?: string;
  /** Only the supervised phase (`glimpse sft`). */
  sftOnly?: boolean;
  log?: (line: string) => void;
}

export interface RunResult {
  out: string;
  start: Record<string, number>;
  final: Record<string, number>;
  interrupted: boolean;
}

async function heldOut(policy: QwenVLPolicy, data: TaskData, cache: PromptCache, cfg: TrainConfig, label: string, quiet?: boolean) {
  const samples = data.test.slice(0, cfg.eval_samples);
  const p = new Progress(label, samples.length, process.stderr, quiet);
  return evaluate(policy, samples, data.pipeline, cache, { maxNewTokens: cfg.rollout.max_new_tokens, ...evalSampling(cfg), onProgress: (d) => p.update(d) });
}

export async function runTraining(cfg: TrainConfig, o: RunOptions = {}): Promise<RunResult> {
  const say = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const t0 = Date.now();
  const out = cfg.out;
  mkdirSync(out, { recursive: true });
  let latest = latestCheckpoint(out);
  if (latest && !o.resume) {
    throw new GlimpseError('bad_argument', `${out} already holds a run (checkpoint ${latest.dir}): pass --resume to continue it, or --out <new folder> to start another`);
  }
  if (!latest && o.resume) say(`glimpse: nothing to resume in ${out}; starting a new run`);
  if (!o.resume) await writeFileAtomic(join(out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
  say(`glimpse: task ${cfg.data ? cfg.data.train : cfg.task}, model ${cfg.model}, output ${out}`);
  const data = await loadTaskData({ task: cfg.task, ...(cfg.data ? { data: cfg.data } : {}), ...(cfg.pipeline ? { pipeline: cfg.pipeline } : {}), dataDir: join(out, 'data'), seed: cfg.seed, trainSize: cfg.train_size, testSize: cfg.test_size, taskOptions: cfg.task_options });
  say(`glimpse: ${data.train.length} training and ${data.test.length} held-out samples; rewards: ${data.pipeline.spec.rewards.map((r) => r.name).join(', ')}`);
  const log = new MetricsLog(join(out, 'metrics.jsonl'));
  const stop = new StopSignal().install();
  const runtime = { ...(cfg.threads ? { threads: cfg.threads } : {}), provider: cfg.device };
  try {
    const policy = latest ? await loadPolicyFolder(latest.dir, runtime) : await loadPolicy(cfg.model, { seed: cfg.seed, ...runtime });
    // LoRA (docs/lora.md): train adapters only; checkpoints hold merged weights, so a resume adds fresh (B = 0) adapters to them
    if (cfg.lora.enabled) policy.enableLora({ rank: cfg.lora.rank, alpha: cfg.lora.alpha, targets: cfg.lora.targets, trainVision: cfg.lora.train_vision, seed: cfg.seed });
    // the vision tower and merger (`visual.*`) stay fixed: only the language model trains
    if (cfg.freeze_vision && !cfg.lora.enabled) policy.trainable = new Set([...policy.trainable].filter((n) => !n.startsWith('visual.')));
    const cache = new PromptCache(policy);
    const isPreset = !existsSync(cfg.model) && modelPresetNames().includes(cfg.model);
    // 1. supervised warm start (a preset starts from random weights)
    const sftSteps = isPreset || o.sftOnly ? cfg.sft.steps : 0;
    const inSft = !latest || latest.state.phase === 'sft';
    if (inSft && sftSteps > 0 && (!latest || (latest.state.step < sftSteps && !latest.state.done))) {
      const stopRule = sftStopRule(cfg, data, policy, cache, o.sftOnly === true, say, (m) => log.append(m));
      say(`glimpse: supervised warm start: up to ${sftSteps} steps of ${cfg.sft.batch_size} (${data.task ? 'reference solutions of the task' : 'dataset answers'})${stopRule ? `, until validation acc@0.5 ≥ ${cfg.sft.stop_at} (checked every ${cfg.sft.check_every} steps on ${stopRule.held} prompts kept out of SFT)` : ''}`);
      const r = await runSft(policy, data, cache, log, stop, {
        steps: sftSteps, batchSize: cfg.sft.batch_size, microBatch: cfg.micro_batch, lr: cfg.sft.lr, warmupSteps: Math.min(cfg.sft.warmup_steps, sftSteps), weightDecay: cfg.sft.weight_decay, seed: cfg.seed,
        out, checkpointEvery: cfg.checkpoint_every * 5, config: cfg, ...(o.quiet ? { quiet: true } : {}),
        ...(stopRule ? { stop: stopRule.stop, pool: data.train.length - stopRule.held } : {}),
      }, latest?.state.step ?? 0, latest ? join(latest.dir, OPTIMIZER_FILE) : undefined);
      if (r.interrupted) return { out, start: {}, final: {}, interrupted: true };
      if (r.stoppedEarly) say(`glimpse: warm start ended at step ${r.step}: validation acc@0.5 reached ${cfg.sft.stop_at}`);
      else if (stopRule) say(`glimpse: warm start ran all ${sftSteps} steps without validation acc@0.5 reaching ${cfg.sft.stop_at}; GRPO starts from there`);
      latest = undefined;
    }
    if (o.sftOnly) {
      const ev = await heldOut(policy, data, cache, cfg, 'eval', o.quiet);
      await writeFileAtomic(join(out, 'summary.json'), JSON.stringify({ start: {}, final: ev.metrics }, null, 2) + '\n');
      return { out, start: {}, final: ev.metrics, interrupted: false };
    }
    // 2. held-out metrics of the starting checkpoint
    let start = latest?.state.phase === 'grpo' ? latest.state.startMetrics : undefined;
    if (!start) {
      start = (await heldOut(policy, data, cache, cfg, 'eval (start)', o.quiet)).metrics;
      log.append({ phase: 'eval', step: 0, ...start });
    }
    say(`glimpse: start: ${fmtMetrics(start)}`);
    // 3. GRPO
    const grpoStart = latest?.state.phase === 'grpo' ? latest.state.step : 0;
    const g = await runGrpo(policy, data, cache, log, stop, {
      cfg, out, startStep: grpoStart, startMetrics: start, ...(o.quiet ? { quiet: true } : {}),
      ...(latest?.state.phase === 'grpo' ? { optimizerState: join(latest.dir, OPTIMIZER_FILE) } : {}),
      onEval: (step, m) => say(`glimpse: step ${step} held-out: ${fmtMetrics(m)}`),
    });
    if (g.interrupted) {
      say(`glimpse: stopped at step ${g.step}; resume with --resume --out ${out}`);
      return { out, start, final: {}, interrupted: true };
    }
    // 4. final evaluation and report
    const ev = await heldOut(policy, data, cache, cfg, 'eval (final)', o.quiet);
    log.append({ phase: 'eval', step: cfg.steps, ...ev.metrics });
    say(`glimpse: final: ${fmtMetrics(ev.metrics)}`);
    const plots = await writePlots(out, log.read());
    const byId = new Map(data.test.map((s) => [s.id, s]));
    const exFiles = await writeExamples(out, ev.examples, byId, cache);
    await writeReport({
      out, task: data.name, model: cfg.model, command: o.command ?? 'glimpse train', start, final: ev.metrics, rows: log.read(), plots,
      examples: exFiles.map((file, i) => ({ file, id: ev.examples[i]!.id, completion: ev.examples[i]!.completion })),
      seconds: (Date.now() - t0) / 1000, config: cfg,
    });
    say(`glimpse: wrote ${join(out, 'report.md')}, summary.json, ${plots.length} plots, ${exFiles.length} examples`);
    return { out, start, final: ev.metrics, interrupted: false };
  } finally {
    stop.dispose();
  }
}

/**
 * The warm start's stopping rule (`sft.stop_at`): greedy acc@0.5 on the last `sft.val_samples`
 * training prompts, which SFT then never trains on. Off for `glimpse sft`, for tasks whose
 * pipeline has no box IoU, and when too few training samples remain.
 */
function sftStopRule(cfg: TrainConfig, data: TaskData, policy: QwenVLPolicy, cache: PromptCache, sftOnly: boolean, say: (l: string) => void, log: (row: Record<string, number | string>) => void) {
  const at = cfg.sft.stop_at;
  if (at === null || sftOnly) return undefined;
  if (!data.pipeline.spec.rewards.some((r) => r.name === 'geometry.iou')) return undefined;
  const held = Math.min(cfg.sft.val_samples, Math.floor(data.train.length / 4));
  if (held < 1 || data.train.length - held < cfg.sft.batch_size) return undefined;
  const val = data.train.slice(data.train.length - held);
  return {
    held,
    stop: {
      every: cfg.sft.check_every,
      async check(step: number): Promise<boolean> {
        const ev = await evaluate(policy, val, data.pipeline, cache, { maxNewTokens: cfg.rollout.max_new_tokens });
        const acc = ev.metrics['acc@0.5'] ?? 0;
        log({ phase: 'sft_val', step, 'acc@0.5': acc, mIoU: ev.metrics.mIoU ?? 0 });
        if (acc >= at) say(`glimpse: step ${step}: validation acc@0.5 ${acc.toFixed(3)}`);
        return acc >= at;
      },
    },
  };
}

export function fmtMetrics(m: Record<string, number>): string {
  const keys = ['acc@0.5', 'mIoU', 'reward/mean', 'sampled/acc@0.5'].filter((k) => k in m);
  return (keys.length ? keys : Object.keys(m).slice(0, 4)).map((k) => `${k} ${m[k]!.toFixed(3)}`).join(', ');
}
