/**
 * Next-token sampling from logits: temperature, top-k, top-p (nucleus), greedy at temperature 0.
 * The reported log-probability is always under the FULL distribution softmax(logits / T) (at
 * T = 1 for greedy), not the truncated one, so it matches what the training graph computes.
 */
import { GlimpseError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';

export interface SampleOptions {
  temperature: number;
  topK: number;
  topP: number;
}

/** Log-softmax of `logits / t` at index `token` (numerically stable). */
export function logprobAt(logits: ArrayLike<number>, token: number, t = 1): number {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]! / t);
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += Math.exp(logits[i]! / t - m);
  return logits[token]! / t - m - Math.log(s);
}

function notFinite(V: number): GlimpseError {
  if (V === 0) return new GlimpseError('bad_input', 'sampleToken: empty logits');
  return new GlimpseError('bad_input', `sampleToken: the ${V} logits are not finite (NaN or ±Infinity), so there is no distribution to sample from; the model's weights may have diverged`);
}

/**
 * Samples one token; returns it with its full-distribution log-probability.
 *
 * Works on unnormalised weights `e_i = exp(l_i/T − max)` (one exp per logit, no division pass):
 * the draw is `u ~ U[0, Σ_pool e)` walked down the pool, and `log p = l/T − max − log Σ e`.
 * `scratch` (at least `logits.length` long) is reused for the weights when given, so a sampling
 * loop allocates nothing per token. Logits with NaN or +Infinity (or all −Infinity, or none) are a
 * GlimpseError('bad_input'), never a silent pick.
 */
export function sampleToken(logits: ArrayLike<number>, o: SampleOptions, rng: Rng, scratch?: Float64Array): { token: number; logprob: number } {
  const V = logits.length;
  if (!(o.temperature > 0)) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    const logprob = logprobAt(logits, best, 1);
    if (!Number.isFinite(logprob)) throw notFinite(V);
    return { token: best, logprob };
  }
  const inv = 1 / o.temperature;
  let m = -Infinity;
  for (let i = 0; i < V; i++) {
    const v = logits[i]! * inv;
    if (v > m) m = v;
  }
  const e = scratch && scratch.length >= V ? scratch : new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    const w = Math.exp(logits[i]! * inv - m);
    e[i] = w;
    z += w;
  }
  if (!(z > 0 && Number.isFinite(z))) throw notFinite(V);
  let token: number;
  if ((o.topK > 0 && o.topK < V) || o.topP < 1) {
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => e[b]! - e[a]!);
    let keep = o.topK > 0 ? Math.min(o.topK, V) : V;
    if (o.topP < 1) {
      const target = o.topP * z;
      let acc = 0;
      let k = 0;
      while (k < keep) {
        acc += e[order[k]!]!;
        k++;
        if (acc >= target) break;
      }
      keep = k;
    }
    const pool = order.slice(0, Math.max(1, keep));
    let total = 0;
    for (const i of pool) total += e[i]!;
    token = walk(e, V, pool, rng.next() * total);
  } else {
    token = walk(e, V, null, rng.next() * z);
  }
  return { token, logprob: logits[token]! * inv - m - Math.log(z) };
}

/** The token where `u` falls in the running sum of `e` over `pool` (indices below V when null); rounding that leaves `u` unspent picks the last token of positive weight. */
function walk(e: Float64Array, V: number, pool: readonly number[] | null, u: number): number {
  const n = pool ? pool.length : V;
  let last = pool ? pool[0]! : 0;
  for (let j = 0; j < n; j++) {
    const i = pool ? pool[j]! : j;
    const w = e[i]!;
    if (w > 0) last = i;
    u -= w;
    if (u < 0) return i;
  }
  return last;
}
