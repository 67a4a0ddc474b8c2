/**
 * Supervised fine-tuning (`glimpse sft`, and the warm start of `glimpse train`): masked negative
 * log-likelihood of reference completions, token-mean over each batch, AdamW with warmup and
 * cosine decay.
 */
import type { Sample } from '../../data/schema.js';
import { identityCoordinateMap } from '../../modalities/coords.js';
import { aggregationWeights, sftObjective } from '../grpo/objectives.js';
import type { QwenVLPolicy } from '../policy/model/policy.js';
import type { TrainSequence } from '../policy/model/feeds.js';
import { OptimStepper } from '../policy/optim/trainer-config.js';
import { Rng } from '../util/rng.js';
import { GlimpseError } from '../util/errors.js';
import { saveCheckpoint, type TrainerState } from './checkpoint.js';
import type { StopSignal } from './interrupt.js';
import type { MetricsLog } from './metrics.js';
import { Progress } from './progress.js';
import type { PromptCache, TaskData } from './task-data.js';

export interface SftOptions {
  steps: number;
  batchSize: number;
  microBatch: number;
  lr: number;
  warmupSteps: number;
  weightDecay?: number;
  seed: number;
  out: string;
  checkpointEvery: number;
  config: unknown;
  quiet?: boolean;
  /**
   * Early stop: every `every` steps `check()` says whether to end the phase (e.g. validation
   * acc@0.5 reached `sft.stop_at`); the last checkpoint is then marked done.
   */
  stop?: { every: number; check(step: number): Promise<boolean> };
  /** Training samples SFT draws from (default: all of `data.train`). */
  pool?: number;
}

/** Deterministic order of training samples for step `step` (a pure function: resumes exactly). */
export function batchIndices(n: number, batch: number, step: number, seed: number): number[] {
  const perEpoch = Math.max(1, Math.floor(n / batch));
  const epoch = Math.floor(step / perEpoch);
  const order = new Rng(seed * 7919 + epoch).shuffle(Array.from({ length: n }, (_, i) => i));
  const start = (step % perEpoch) * batch;
  return Array.from({ length: Math.min(batch, n) }, (_, k) => order[(start + k) % n]!);
}

export async function runSft(policy: QwenVLPolicy, data: TaskData, cache: PromptCache, log: MetricsLog, stop: StopSignal, o: SftOptions, startStep = 0, optimizerState?: string): Promise<{ step: number; interrupted: boolean; stoppedEarly: boolean }> {
  const task = data.task;
  if (!task?.solution) throw new GlimpseError('not_available', `task ${data.name} has no reference solutions for SFT`);
  const stepper = new OptimStepper(policy.trainableParams(), { lr: o.lr, warmup_steps: o.warmupSteps, schedule: 'cosine', max_grad_norm: 1.0, weight_decay: o.weightDecay ?? 0 }, o.steps);
  if (optimizerState) stepper.optimizer.load(optimizerState);
  const objective = sftObjective();
  const progress = new Progress('sft ', o.steps, process.stderr, o.quiet);
  const t0 = Date.now();
  let tokensSeen = 0;
  let step = startStep;
  for (; step < o.steps; step++) {
    if (stop.requested) break;
    const idx = batchIndices(o.pool ?? data.train.length, o.batchSize, step, o.seed);
    const seqs: TrainSequence[] = [];
    for (const i of idx) {
      const s: Sample = data.train[i]!;
      const enc = await cache.prompt(s);
      const target = policy.encodeCompletion(task.solution(s, enc.maps[0] ?? identityCoordinateMap()));
      seqs.push({ ids: [...enc.ids, ...target], promptLength: enc.ids.length, images: enc.images });
    }
    const weights = aggregationWeights(seqs.map((s) => s.ids.length - s.promptLength), 'token-mean');
    let loss = 0;
    for (let b = 0; b < seqs.length; b += o.microBatch) {
      const r = await policy.accumulate(seqs.slice(b, b + o.microBatch), objective, { perToken: { token_weight: weights.slice(b, b + o.microBatch) } });
      loss += r.loss;
      tokensSeen += r.tokens;
    }
    const rep = stepper.step(policy.gradients());
    policy.zeroGrad();
    const elapsed = (Date.now() - t0) / 1000;
    log.append({ phase: 'sft', step: step + 1, loss, grad_norm: rep.norm, lr: rep.lr, tokens_per_s: tokensSeen / Math.max(elapsed, 1e-9), time_s: elapsed });
    progress.update(step + 1, { loss, lr: rep.lr });
    if (o.stop && (step + 1) % o.stop.every === 0 && step + 1 < o.steps && (await o.stop.check(step + 1))) {
      step++;
      await save(step, true);
      return { step, interrupted: false, stoppedEarly: true };
    }
    if ((step + 1) % o.checkpointEvery === 0 && step + 1 < o.steps) await save(step + 1);
  }
  const interrupted = step < o.steps;
  await save(step);
  return { step, interrupted, stoppedEarly: false };

  async function save(s: number, done = false): Promise<void> {
    const state: TrainerState = { step: s, phase: 'sft', config: o.config, elapsed: (Date.now() - t0) / 1000, ...(done ? { done } : {}) };
    await saveCheckpoint(o.out, policy, stepper.optimizer, state);
  }
}
