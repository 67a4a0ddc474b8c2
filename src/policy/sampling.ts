/**
 * Next-token sampling from logits: temperature, top-k, top-p (nucleus), greedy at temperature 0.
 * The reported log-probability is always under the FULL distribution softmax(logits / T) (at
 * T = 1 for greedy), not the truncated one, so it matches what the training graph computes.
 */
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

/** Samples one token; returns it with its full-distribution log-probability. */
export function sampleToken(logits: ArrayLike<number>, o: SampleOptions, rng: Rng): { token: number; logprob: number } {
  const V = logits.length;
  if (!(o.temperature > 0)) {
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    return { token: best, logprob: logprobAt(logits, best, 1) };
  }
  const t = o.temperature;
  let m = -Infinity;
  for (let i = 0; i < V; i++) m = Math.max(m, logits[i]! / t);
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp(logits[i]! / t - m);
    z += p[i]!;
  }
  for (let i = 0; i < V; i++) p[i] = p[i]! / z;
  let candidates: number[] | undefined;
  if ((o.topK > 0 && o.topK < V) || o.topP < 1) {
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
    let keep = o.topK > 0 ? Math.min(o.topK, V) : V;
    if (o.topP < 1) {
      let acc = 0;
      let k = 0;
      while (k < keep) {
        acc += p[order[k]!]!;
        k++;
        if (acc >= o.topP) break;
      }
      keep = k;
    }
    candidates = order.slice(0, Math.max(1, keep));
  }
  const pool = candidates ?? null;
  let total = 0;
  if (pool) for (const i of pool) total += p[i]!;
  else total = 1;
  let u = rng.next() * total;
  let token = pool ? pool[pool.length - 1]! : V - 1;
  if (pool) {
    for (const i of pool) {
      u -= p[i]!;
      if (u < 0) {
        token = i;
        break;
      }
    }
  } else {
    for (let i = 0; i < V; i++) {
      u -= p[i]!;
      if (u < 0) {
        token = i;
        break;
      }
    }
  }
  return { token, logprob: Math.log(p[token]!) };
}
