/**
 * Glue from glimpse's training config (`optim` section of src/config/train.ts: snake_case fields)
 * to the optimiser, clipping and schedule, so a trainer performs one step as
 * `stepper.step(grads)`.
 */
import { AdamW } from './adamw.js';
import { clipGradNorm, globalNorm, type ClipResult, type Float32Set } from './clip.js';
import { makeSchedule, type Schedule } from './schedule.js';

/** The fields of the `optim` config section this module reads. */
export interface OptimConfigLike {
  lr: number;
  weight_decay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  max_grad_norm?: number | null;
  warmup_steps?: number;
  schedule?: string;
  min_lr_ratio?: number;
}

/** What one {@link OptimStepper.step} did. */
export interface StepReport extends ClipResult {
  /** Learning rate used (peak × schedule), or 0 when the step was skipped. */
  lr: number;
  /** True when the step was skipped because the gradient norm was not finite. */
  skipped: boolean;
  /** Optimiser step count after this call. */
  step: number;
}

/** AdamW + clipping + schedule, driven by a config. */
export class OptimStepper {
  readonly optimizer: AdamW;
  readonly schedule: Schedule;
  private readonly maxNorm: number | null;

  constructor(params: Float32Set, cfg: OptimConfigLike, totalSteps: number, opts: { decay?: (name: string) => boolean } = {}) {
    this.optimizer = new AdamW(params, { lr: cfg.lr, beta1: cfg.beta1, beta2: cfg.beta2, eps: cfg.eps, weightDecay: cfg.weight_decay, decay: opts.decay });
    this.schedule = makeSchedule({ kind: cfg.schedule ?? 'constant', warmupSteps: cfg.warmup_steps ?? 0, totalSteps, minLrRatio: cfg.min_lr_ratio ?? 0 });
    this.maxNorm = cfg.max_grad_norm ?? null;
  }

  /**
   * Measures the global gradient norm and clips `grads` (in place) when configured, then takes one AdamW step at the scheduled rate.
   * A non-finite gradient norm skips the step (nothing changes) and says so.
   */
  step(grads: Float32Set): StepReport {
    let clip: ClipResult;
    if (this.maxNorm !== null) clip = clipGradNorm(grads, this.maxNorm);
    else {
      const norm = globalNorm(grads);
      clip = { norm, scale: 1, finite: Number.isFinite(norm) };
    }
    if (!clip.finite) return { ...clip, lr: 0, skipped: true, step: this.optimizer.step };
    const lr = this.optimizer.lr * this.schedule(this.optimizer.step);
    this.optimizer.update(grads, lr);
    return { ...clip, lr, skipped: false, step: this.optimizer.step };
  }
}
