/**
 * Global-norm gradient clipping (Pascanu et al. 2013, "On the difficulty of training recurrent
 * neural networks"), as `torch.nn.utils.clip_grad_norm_`: the L2 norm over all gradients
 * together, and when it exceeds `maxNorm` every gradient is scaled by `maxNorm / (norm + 1e-6)`.
 */
import { GlimpseError } from '../../util/errors.js';

/** A set of named float32 arrays (parameters, gradients, optimiser moments). */
export type Float32Set = Map<string, Float32Array> | Record<string, Float32Array>;

export function valuesOf(set: Float32Set): Float32Array[] {
  return set instanceof Map ? [...set.values()] : Object.values(set);
}

export function entriesOf(set: Float32Set): Array<[string, Float32Array]> {
  return set instanceof Map ? [...set.entries()] : Object.entries(set);
}

/** L2 norm of all values of all arrays together (accumulated in float64). */
export function globalNorm(set: Float32Set): number {
  let ss = 0;
  for (const g of valuesOf(set)) {
    let s = 0;
    for (let i = 0; i < g.length; i++) {
      const x = g[i]!;
      s += x * x;
    }
    ss += s;
  }
  return Math.sqrt(ss);
}

/** What {@link clipGradNorm} did. */
export interface ClipResult {
  /** Global norm before clipping (NaN or Infinity when a gradient is not finite). */
  norm: number;
  /** Factor applied to every gradient (1 when not clipped or not finite). */
  scale: number;
  /** False when the norm is NaN/Infinity: gradients are left untouched and the step should be skipped. */
  finite: boolean;
}

/**
 * Scales `grads` in place so that their global L2 norm is at most `maxNorm` (torch's
 * `clip_grad_norm_` formula: coefficient `maxNorm / (norm + 1e-6)`, applied only when below 1).
 * Non-finite gradients are reported (`finite: false`) and left as they are.
 */
export function clipGradNorm(grads: Float32Set, maxNorm: number): ClipResult {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new GlimpseError('bad_argument', `clipGradNorm: maxNorm must be a positive finite number, got ${maxNorm}`);
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return { norm, scale: 1, finite: false };
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { norm, scale: 1, finite: true };
  for (const g of valuesOf(grads)) {
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  }
  return { norm, scale: coef, finite: true };
}
