/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
 * Regularization"; Kingma & Ba 2015 for Adam), over named `Float32Array` parameters, updated in
 * place. Per step t (1-based), with gradient g and learning rate lr (peak × schedule):
 *
 *   p ← p · (1 − lr·λ)                                  decoupled weight decay
 *   m ← β1·m + (1 − β1)·g                               first moment  (`exp_avg`)
 *   v ← β2·v + (1 − β2)·g²                              second moment (`exp_avg_sq`)
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * which is PyTorch's `torch.optim.AdamW` (amsgrad off). Arithmetic is float64 per element, stored
 * as float32. The state (m, v, t) saves to and restores from safetensors exactly, so a resumed run
 * takes bit-identical steps.
 */
import { GlimpseError } from '../../util/errors.js';
import { type Tensor } from '../weights/dtype.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import { entriesOf, type Float32Set } from './clip.js';

/** AdamW hyper-parameters (defaults of `torch.optim.AdamW`, except weight decay 0 as in glimpse's config). */
export interface AdamWOptions {
  /** Peak learning rate; the schedule multiplies it. */
  lr: number;
  /** β1, decay of the first moment (default 0.9). */
  beta1?: number;
  /** β2, decay of the second moment (default 0.999). */
  beta2?: number;
  /** ε added to the denominator (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay λ (default 0). */
  weightDecay?: number;
  /** Which parameters get weight decay (default: all). Common choice: not biases and norms. */
  decay?: (name: string) => boolean;
}

/**
 * The usual weight-decay filter (Hugging Face Trainer, TRL): decay every weight matrix, but not
 * biases and normalisation weights. Recognises Qwen2-VL names (`*.bias`, `*norm*`, `ln_q`).
 */
export function decayExceptBiasAndNorm(name: string): boolean {
  return !(name.endsWith('.bias') || /norm/i.test(name) || /(^|\.)ln_[^.]*\./.test(name));
}

interface Slot {
  name: string;
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  decay: boolean;
}

function checkHyper(o: Required<Omit<AdamWOptions, 'decay'>>): void {
  const bad = (what: string, v: number) => new GlimpseError('bad_config', `AdamW: ${what} out of range (got ${v})`);
  if (!(o.lr >= 0) || !Number.isFinite(o.lr)) throw bad('lr must be finite and ≥ 0', o.lr);
  if (!(o.beta1 >= 0 && o.beta1 < 1)) throw bad('beta1 must be in [0, 1)', o.beta1);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) throw bad('beta2 must be in [0, 1)', o.beta2);
  if (!(o.eps > 0) || !Number.isFinite(o.eps)) throw bad('eps must be finite and > 0', o.eps);
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay)) throw bad('weightDecay must be finite and ≥ 0', o.weightDecay);
}

/**
 * One AdamW update of one tensor, in place. With s = lr·√(1−β2^t)/(1−β1^t) and
 * ε' = ε·√(1−β2^t), `p ← p·keep − s·m / (√v + ε')`, which equals PyTorch's
 * `p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)`. m and v are rounded to float32 before use, so the
 * update depends only on the stored state (bit-identical resume). A small monomorphic function
 * keeps V8's optimised loop tight.
 */
function adamwKernel(P: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, b1: number, b2: number, keep: number, s: number, epsHat: number): void {
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  const n = P.length;
  for (let i = 0; i < n; i++) {
    const g = G[i]!;
    const m = Math.fround(b1 * M[i]! + a1 * g);
    const v = Math.fround(b2 * V[i]! + a2 * g * g);
    M[i] = m;
    V[i] = v;
    P[i] = P[i]! * keep - (s * m) / (Math.sqrt(v) + epsHat);
  }
}

/** AdamW over a fixed set of named float32 parameters (updated in place). */
export class AdamW {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly slots: Slot[];
  private readonly byName = new Map<string, Slot>();
  private t = 0;

  constructor(params: Float32Set, opts: AdamWOptions) {
    const o = { lr: opts.lr, beta1: opts.beta1 ?? 0.9, beta2: opts.beta2 ?? 0.999, eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0 };
    checkHyper(o);
    this.lr = o.lr;
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.eps = o.eps;
    this.weightDecay = o.weightDecay;
    this.slots = entriesOf(params).map(([name, p]) => {
      if (!(p instanceof Float32Array)) throw new GlimpseError('bad_argument', `AdamW: parameter "${name}" is not a Float32Array`);
      return { name, p, m: new Float32Array(p.length), v: new Float32Array(p.length), decay: opts.decay ? opts.decay(name) : true };
    });
    for (const s of this.slots) this.byName.set(s.name, s);
  }

  /** Number of steps taken so far (PyTorch's `state["step"]`). */
  get step(): number {
    return this.t;
  }

  /** Parameter names, in order. */
  names(): string[] {
    return this.slots.map((s) => s.name);
  }

  /** The first and second moments of `name` (live views; for inspection). */
  moments(name: string): { m: Float32Array; v: Float32Array } {
    const s = this.byName.get(name);
    if (!s) throw new GlimpseError('not_found', `AdamW: no parameter named "${name}"`);
    return { m: s.m, v: s.v };
  }

  /**
   * Takes one step with `grads` (one array per parameter, same names and lengths) at learning
   * rate `lr` (default: the peak rate; pass `peak × schedule(step)`). Missing, extra or mis-sized
   * gradients are a `GlimpseError('bad_argument')` listing them, raised before anything changes.
   */
  update(grads: Float32Set, lr: number = this.lr): void {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new GlimpseError('bad_argument', `AdamW.update: learning rate must be finite and ≥ 0, got ${lr}`);
    const g = grads instanceof Map ? grads : new Map(Object.entries(grads));
    const missing = this.slots.filter((s) => !g.has(s.name)).map((s) => s.name);
    const extra = [...g.keys()].filter((k) => !this.byName.has(k));
    const wrong = this.slots.filter((s) => g.has(s.name) && g.get(s.name)!.length !== s.p.length).map((s) => `${s.name} (${g.get(s.name)!.length} ≠ ${s.p.length})`);
    if (missing.length || extra.length || wrong.length) {
      const parts = [missing.length ? `missing: ${missing.join(', ')}` : '', extra.length ? `unexpected: ${extra.join(', ')}` : '', wrong.length ? `wrong length: ${wrong.join(', ')}` : ''];
      throw new GlimpseError('bad_argument', `AdamW.update: gradients do not match the parameters (${parts.filter(Boolean).join('; ')})`);
    }
    this.t += 1;
    const t = this.t;
    const stepSize = lr / (1 - this.beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    for (const s of this.slots) {
      adamwKernel(s.p, g.get(s.name)!, s.m, s.v, this.beta1, this.beta2, s.decay ? 1 - lr * this.weightDecay : 1, stepSize * bc2Sqrt, this.eps * bc2Sqrt);
    }
  }

  /**
   * The optimiser state as safetensors tensors: `<param>.exp_avg` and `<param>.exp_avg_sq`
   * (float32, the parameter's length as a 1-D shape), plus metadata with the step and the
   * hyper-parameters.
   */
  stateTensors(): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
    const tensors = new Map<string, Tensor>();
    for (const s of this.slots) {
      tensors.set(`${s.name}.exp_avg`, { dtype: 'F32', shape: [s.m.length], data: s.m });
      tensors.set(`${s.name}.exp_avg_sq`, { dtype: 'F32', shape: [s.v.length], data: s.v });
    }
    const metadata = {
      optimizer: 'adamw',
      step: String(this.t),
      hyper: JSON.stringify({ lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay }),
    };
    return { tensors, metadata };
  }

  /**
   * Restores the state from {@link stateTensors} output. Every parameter must have both moments
   * with its length; missing or unexpected tensors are listed in a `GlimpseError('corrupt')`.
   * `source` names the file in errors.
   */
  loadStateTensors(tensors: Map<string, Tensor>, metadata: Record<string, string>, source = 'optimizer state'): void {
    if (metadata.optimizer !== 'adamw') throw new GlimpseError('corrupt', `${source}: not an AdamW state (optimizer=${JSON.stringify(metadata.optimizer)})`);
    const step = Number(metadata.step);
    if (!Number.isSafeInteger(step) || step < 0) throw new GlimpseError('corrupt', `${source}: step ${JSON.stringify(metadata.step)} is not a non-negative integer`);
    const expected = new Set(this.slots.flatMap((s) => [`${s.name}.exp_avg`, `${s.name}.exp_avg_sq`]));
    const missing = [...expected].filter((k) => !tensors.has(k));
    const unexpected = [...tensors.keys()].filter((k) => !expected.has(k));
    const bad: string[] = [];
    for (const s of this.slots) {
      for (const k of [`${s.name}.exp_avg`, `${s.name}.exp_avg_sq`]) {
        const t = tensors.get(k);
        if (t && (t.dtype !== 'F32' || t.data.length !== s.p.length)) bad.push(`${k} (${t.dtype}[${t.shape.join(', ')}], expected F32[${s.p.length}])`);
      }
    }
    if (missing.length || unexpected.length || bad.length) {
      const parts = [missing.length ? `missing: ${missing.join(', ')}` : '', unexpected.length ? `unexpected: ${unexpected.join(', ')}` : '', bad.length ? `wrong: ${bad.join(', ')}` : ''];
      throw new GlimpseError('corrupt', `${source}: optimizer state does not match the parameters (${parts.filter(Boolean).join('; ')})`);
    }
    for (const s of this.slots) {
      s.m.set(tensors.get(`${s.name}.exp_avg`)!.data as Float32Array);
      s.v.set(tensors.get(`${s.name}.exp_avg_sq`)!.data as Float32Array);
    }
    this.t = step;
  }

  /** Saves the state to a safetensors file (atomically). */
  async save(path: string): Promise<void> {
    const { tensors, metadata } = this.stateTensors();
    await writeSafetensors(path, tensors, metadata);
  }

  /** Loads the state saved by {@link save}. */
  load(path: string): void {
    const { tensors, metadata } = readSafetensors(path);
    this.loadStateTensors(tensors, metadata, path);
  }
}
