/**
 * Advantage estimators, registered by name (verl's core_algos style: an unknown name is an error
 * that lists the known ones). Every estimator maps per-rollout scalar rewards, laid out as
 * consecutive groups of G rollouts of the same prompt, to per-rollout advantages.
 *
 * - `grpo`          A_i = (r_i − mean_g) / (std_g + ε), std unbiased (N−1) as torch.std — DeepSeekMath / GRPO.
 *                   A group of one has advantage 0.
 * - `dr_grpo`       A_i = r_i − mean_g (no std division) — Dr. GRPO ("Understanding R1-Zero-like training").
 * - `rloo`          A_i = r_i − mean_{j≠i} r_j — RLOO (Ahmadian et al., 2024). A group of one has advantage 0.
 * - `reinforce_pp`  A_i = r_i − mean_g, then whitened over the whole batch: (A − mean_B)/(std_B + ε) — REINFORCE++ (baseline variant).
 *
 * Optional difficulty weighting (Observe-R1): each group's advantages are multiplied by
 * 4σ·d(1−d), with d the group's solve rate and σ = 1.8 by default, favouring medium-difficulty prompts.
 *
 * @example
 *   computeAdvantages('grpo', { rewards: [1, 0, 0, 1], groupSize: 2 }) // -> [0.7071…, -0.7071…, -0.7071…, 0.7071…]
 */
import { GlimpseError } from '../util/errors.js';

export interface AdvantageInput {
  /** Per-rollout rewards, `[numGroups * groupSize]`, groups consecutive. */
  rewards: ArrayLike<number>;
  groupSize: number;
  /** Per-rollout "solved" flags for difficulty weighting; default reward ≥ solvedThreshold. */
  solved?: ArrayLike<boolean>;
}

export interface AdvantageOptions {
  /** ε added to the standard deviation. */
  eps?: number;
  /** Observe-R1 difficulty weighting 4σ·d(1−d); off by default. */
  difficultyWeighting?: boolean;
  /** σ of the difficulty weighting (Observe-R1: 1.8). */
  difficultySigma?: number;
  /** A rollout counts as solved when its reward is ≥ this (when `solved` is not given). */
  solvedThreshold?: number;
}

export type AdvantageEstimator = (rewards: Float64Array, groupSize: number, eps: number) => Float64Array;

interface Entry {
  name: string;
  description: string;
  paper: string;
  fn: AdvantageEstimator;
}

const estimators = new Map<string, Entry>();

export function registerAdvantage(entry: Entry): void {
  if (estimators.has(entry.name)) throw new Error(`advantage estimator "${entry.name}" is already registered`);
  estimators.set(entry.name, entry);
}

export function listAdvantages(): string[] {
  return [...estimators.keys()].sort();
}

export function getAdvantage(name: string): Entry {
  const e = estimators.get(name);
  if (!e) throw new GlimpseError('unknown_name', `unknown advantage estimator "${name}"; known: ${listAdvantages().join(', ')}`);
  return e;
}

function groupStats(r: Float64Array, start: number, g: number): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < g; i++) s += r[start + i]!;
  const mean = s / g;
  let v = 0;
  for (let i = 0; i < g; i++) v += (r[start + i]! - mean) ** 2;
  return { mean, std: g > 1 ? Math.sqrt(v / (g - 1)) : 0 };
}

registerAdvantage({
  name: 'grpo',
  description: 'group mean/std normalisation',
  paper: 'Shao et al. 2024, DeepSeekMath (GRPO)',
  fn: (r, g, eps) => {
    const out = new Float64Array(r.length);
    for (let s = 0; s < r.length; s += g) {
      if (g === 1) continue;
      const { mean, std } = groupStats(r, s, g);
      for (let i = 0; i < g; i++) out[s + i] = (r[s + i]! - mean) / (std + eps);
    }
    return out;
  },
});

registerAdvantage({
  name: 'dr_grpo',
  description: 'group mean subtraction without std division',
  paper: 'Liu et al. 2025, Understanding R1-Zero-Like Training (Dr. GRPO)',
  fn: (r, g) => {
    const out = new Float64Array(r.length);
    for (let s = 0; s < r.length; s += g) {
      const { mean } = groupStats(r, s, g);
      for (let i = 0; i < g; i++) out[s + i] = r[s + i]! - mean;
    }
    return out;
  },
});

registerAdvantage({
  name: 'rloo',
  description: 'leave-one-out baseline: r_i minus the mean of the other rollouts of its group',
  paper: 'Ahmadian et al. 2024, Back to Basics (RLOO)',
  fn: (r, g) => {
    const out = new Float64Array(r.length);
    if (g === 1) return out;
    for (let s = 0; s < r.length; s += g) {
      let sum = 0;
      for (let i = 0; i < g; i++) sum += r[s + i]!;
      for (let i = 0; i < g; i++) out[s + i] = r[s + i]! - (sum - r[s + i]!) / (g - 1);
    }
    return out;
  },
});

registerAdvantage({
  name: 'reinforce_pp',
  description: 'group mean subtraction, then whitening over the whole batch',
  paper: 'Hu 2025, REINFORCE++ (baseline variant)',
  fn: (r, g, eps) => {
    const out = getAdvantage('dr_grpo').fn(r, g, eps);
    const n = out.length;
    if (n < 2) return out.fill(0);
    let m = 0;
    for (const v of out) m += v;
    m /= n;
    let v2 = 0;
    for (const v of out) v2 += (v - m) ** 2;
    const std = Math.sqrt(v2 / (n - 1));
    for (let i = 0; i < n; i++) out[i] = (out[i]! - m) / (std + eps);
    return out;
  },
});

/**
 * Advantages of `input` under the estimator `name`. Rewards that are not finite are an error
 * (rewards are bounded by construction; a NaN here is a bug upstream, not a zero).
 * @returns `[numGroups * groupSize]` advantages.
 */
export function computeAdvantages(name: string, input: AdvantageInput, options: AdvantageOptions = {}): Float64Array {
  const { groupSize } = input;
  const n = input.rewards.length;
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new GlimpseError('bad_config', `groupSize must be a positive integer, got ${groupSize}`);
  if (n % groupSize !== 0) throw new GlimpseError('bad_config', `${n} rewards do not split into groups of ${groupSize}`);
  const r = Float64Array.from(input.rewards);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(r[i]!)) throw new GlimpseError('bad_value', `reward ${i} is ${r[i]}; rewards must be finite`);
  }
  const eps = options.eps ?? 1e-6;
  const adv = getAdvantage(name).fn(r, groupSize, eps);
  if (options.difficultyWeighting) {
    const sigma = options.difficultySigma ?? 1.8;
    const thr = options.solvedThreshold ?? 1;
    for (let s = 0; s < n; s += groupSize) {
      let solved = 0;
      for (let i = 0; i < groupSize; i++) solved += (input.solved ? input.solved[s + i] : r[s + i]! >= thr) ? 1 : 0;
      const d = solved / groupSize;
      const w = 4 * sigma * d * (1 - d);
      for (let i = 0; i < groupSize; i++) adv[s + i] = adv[s + i]! * w;
    }
  }
  return adv;
}

/**
 * DAPO dynamic sampling: the indices of groups whose rewards are not all equal (groups with zero
 * reward variance give zero advantage and no gradient).
 */
export function informativeGroups(rewards: ArrayLike<number>, groupSize: number, tol = 1e-12): number[] {
  const keep: number[] = [];
  for (let s = 0, gi = 0; s < rewards.length; s += groupSize, gi++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < groupSize; i++) {
      const v = rewards[s + i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > tol) keep.push(gi);
  }
  return keep;
}
