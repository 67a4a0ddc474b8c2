/**
 * Micro-batches of variable-length sequences for the training graph, with a BOUNDED share of
 * padding. The training graph pads every row of a micro-batch to its longest sequence (feeds.ts
 * `trainFeeds`), so a micro-batch of lengths S_1..S_B costs B·max S token slots for Σ S_b real
 * tokens (the linear layers, the LM head and the loss), and B·(max S)² attention cells for Σ S_b².
 *
 *   token waste      = 1 − Σ S_b / (B · max S)
 *   attention waste  = 1 − Σ S_b² / (B · (max S)²)
 *
 * {@link planMicroBatches} sorts by length and closes a micro-batch before the next sequence would
 * push its token waste above `maxWaste` (or its size above `maxSequences`): every micro-batch then
 * wastes at most that share, so the whole plan does too (the total is a weighted mean of the
 * micro-batches' shares). Sorting alone (fixed-size chunks of sorted sequences) has no such bound:
 * one long completion among short ones pads its whole chunk.
 */
import { GlimpseError } from '../../util/errors.js';

export interface PaddingStats {
  /** Real tokens Σ S_b. */
  tokens: number;
  /** Token slots computed, Σ over micro-batches of B · max S. */
  slots: number;
  /** 1 − tokens / slots. */
  tokenWaste: number;
  /** 1 − Σ S_b² / Σ B · (max S)². */
  attentionWaste: number;
  microBatches: number;
}

function checkLengths(lengths: readonly number[], what: string): void {
  for (const [i, n] of lengths.entries()) {
    if (!Number.isInteger(n) || n < 1) throw new GlimpseError('bad_argument', `${what}: length ${i} is ${n}, not a positive integer`);
  }
}

/** Padding of a split of sequences (by index into `lengths`) into right-padded micro-batches. */
export function paddingStats(lengths: readonly number[], batches: readonly (readonly number[])[]): PaddingStats {
  checkLengths(lengths, 'paddingStats');
  let tokens = 0;
  let slots = 0;
  let cells = 0;
  let used = 0;
  for (const b of batches) {
    if (!b.length) continue;
    let max = 0;
    for (const i of b) {
      const n = lengths[i];
      if (n === undefined) throw new GlimpseError('bad_argument', `paddingStats: index ${i} is outside the ${lengths.length} sequences`);
      max = Math.max(max, n);
      tokens += n;
      used += n * n;
    }
    slots += b.length * max;
    cells += b.length * max * max;
  }
  return { tokens, slots, tokenWaste: slots ? 1 - tokens / slots : 0, attentionWaste: cells ? 1 - used / cells : 0, microBatches: batches.filter((b) => b.length).length };
}

/** The current trainer's scheme: sequences sorted by length (stable), cut into chunks of `size`. */
export function sortedChunks(lengths: readonly number[], size: number): number[][] {
  checkLengths(lengths, 'sortedChunks');
  if (!Number.isInteger(size) || size < 1) throw new GlimpseError('bad_argument', `sortedChunks: size must be a positive integer, got ${size}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}

export interface PlanOptions {
  /** Most sequences per micro-batch (memory bound). */
  maxSequences: number;
  /** Largest share of padded token slots a micro-batch may have, in [0, 1) (default 0.1). */
  maxWaste?: number;
}

/**
 * Micro-batches (indices into `lengths`, each sorted by length) whose token waste is at most
 * `maxWaste` each, hence overall; no micro-batch holds more than `maxSequences`. Greedy over the
 * sorted lengths: a micro-batch grows while the next (longer or equal) sequence keeps it within
 * both bounds, else a new one starts. Which sequences share a micro-batch does not change the
 * accumulated gradient (it is a sum), only the cost.
 */
export function planMicroBatches(lengths: readonly number[], o: PlanOptions): number[][] {
  checkLengths(lengths, 'planMicroBatches');
  const maxWaste = o.maxWaste ?? 0.1;
  if (!Number.isInteger(o.maxSequences) || o.maxSequences < 1) throw new GlimpseError('bad_argument', `planMicroBatches: maxSequences must be a positive integer, got ${o.maxSequences}`);
  if (!(maxWaste >= 0 && maxWaste < 1)) throw new GlimpseError('bad_argument', `planMicroBatches: maxWaste must be in [0, 1), got ${maxWaste}`);
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const out: number[][] = [];
  let cur: number[] = [];
  let sum = 0;
  for (const i of order) {
    const n = lengths[i]!;
    // sorted: n is the new maximum; waste = 1 − (sum + n) / ((len + 1) · n)
    const fits = cur.length < o.maxSequences && 1 - (sum + n) / ((cur.length + 1) * n) <= maxWaste + 1e-12;
    if (cur.length && !fits) {
      out.push(cur);
      cur = [];
      sum = 0;
    }
    cur.push(i);
    sum += n;
  }
  if (cur.length) out.push(cur);
  return out;
}
