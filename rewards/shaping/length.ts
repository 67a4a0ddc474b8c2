/**
 * Length shaping.
 *
 * shaping.length_penalty — DAPO's soft overlong punishment (Yu et al. 2025): with L the length,
 * L_max = `max_length` and L_c = `buffer`:
 *   0 when L ≤ L_max − L_c;  ((L_max − L_c) − L) / L_c when L_max − L_c < L ≤ L_max;  −1 beyond.
 *
 * shaping.length_bonus — Observe-R1's bonus (Guo et al. 2025): in a group of completions of one
 * prompt, the SHORTEST CORRECT one gets `bonus` (0.2) when it is longer than `min_length` (100
 * tokens); every other completion gets 0. Correctness is another reward (`correct_by`, default
 * accuracy.choice) scoring ≥ `threshold`. Needs `RewardInput.group` (the trainer sets it;
 * `glimpse reward` groups records that share a sample id); null without a group.
 *
 * Lengths are measured in `unit`: `words` (whitespace-separated), `chars`, or `approx_tokens`
 * (⌈chars / 4⌉, a tokenizer-free estimate).
 */
import { z } from 'zod';
import { getReward } from '../registry.js';
import { registerReward } from '../registry.js';
import { textOf } from '../shared/text.js';
import type { RewardDefinition, RewardInput, RewardResult } from '../types.js';

const unitParam = z.enum(['approx_tokens', 'words', 'chars']).default('approx_tokens').describe('approx_tokens = ceil(chars/4); words = whitespace-separated; chars');
type Unit = z.infer<typeof unitParam>;

/** Length of `s` in `unit`. */
export function lengthIn(s: string, unit: Unit): number {
  if (unit === 'chars') return s.length;
  if (unit === 'approx_tokens') return Math.ceil(s.length / 4);
  let n = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) n++;
    inWord = !space;
  }
  return n;
}

export const LengthPenaltyParams = z
  .object({
    max_length: z.number().int().positive().default(4096).describe('L_max: longer completions score -1 (DAPO used 20480 tokens)'),
    buffer: z.number().int().positive().default(1024).describe('L_c: the soft punishment interval before L_max (DAPO: 4096)'),
    unit: unitParam,
  })
  .strict()
  .refine((p) => p.buffer <= p.max_length, { message: 'buffer must not exceed max_length', path: ['buffer'] });
export type LengthPenaltyParams = z.infer<typeof LengthPenaltyParams>;

registerReward<LengthPenaltyParams>({
  name: 'shaping.length_penalty',
  description: 'DAPO soft overlong punishment: 0 up to max_length - buffer, then linear down to -1 at max_length',
  paper: 'DAPO (Yu et al. 2025), overlong reward shaping',
  range: [-1, 0],
  params: LengthPenaltyParams as unknown as z.ZodType<LengthPenaltyParams>,
  score(input, p): RewardResult {
    const L = lengthIn(textOf(input?.completion), p.unit);
    const soft = p.max_length - p.buffer;
    if (L <= soft) return { score: 0, details: { length: L } };
    if (L > p.max_length) return { score: -1, reason: `longer than ${p.max_length} ${p.unit}`, details: { length: L } };
    return { score: (soft - L) / p.buffer, reason: `in the overlong buffer (${L} > ${soft} ${p.unit})`, details: { length: L } };
  },
  examples: [
    { completion: 'short', answer: {}, score: 0 },
    { completion: 'x'.repeat(40), answer: {}, params: { max_length: 40, buffer: 20, unit: 'chars' }, score: -1 },
    { completion: 'x'.repeat(30), answer: {}, params: { max_length: 40, buffer: 20, unit: 'chars' }, score: -0.5 },
  ],
});

export const LengthBonusParams = z
  .object({
    bonus: z.number().min(0).max(1).default(0.2).describe('bonus of the shortest correct completion (Observe-R1: 0.2)'),
    min_length: z.number().min(0).default(100).describe('the bonus applies only above this length (Observe-R1: 100 tokens)'),
    unit: unitParam,
    correct_by: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/).default('accuracy.choice').describe('the reward (default params) that decides correctness'),
    threshold: z.number().default(1).describe('a completion is correct when correct_by scores at least this'),
  })
  .strict();
export type LengthBonusParams = z.infer<typeof LengthBonusParams>;

function isCorrect(def: RewardDefinition<unknown>, params: unknown, input: RewardInput, completion: string, threshold: number): boolean {
  try {
    const r = def.score({ ...input, completion }, params) as RewardResult;
    return typeof r?.score === 'number' && r.score >= threshold;
  } catch {
    return false;
  }
}

interface Judge {
  def: RewardDefinition<unknown>;
  params: unknown;
}

/** The correctness reward with its default params, parsed once (compile time). */
function judgeFor(name: string): Judge | string {
  let def: RewardDefinition<unknown>;
  try {
    def = getReward(name) as RewardDefinition<unknown>;
  } catch {
    return `unknown correct_by reward "${name}"`;
  }
  if (def.async) return `correct_by ${name} is async`;
  return { def, params: def.params.parse({}) };
}

const judges = new Map<string, Judge | string>();

function scoreBonus(input: RewardInput, p: LengthBonusParams, judge: Judge | string): RewardResult {
  const g = input?.group;
  if (!g || !Array.isArray(g.completions) || g.completions.length === 0) return { score: null, reason: 'no group of completions (RewardInput.group)' };
  if (typeof judge === 'string') return { score: 0, reason: judge };
  const { def, params } = judge;
  let best = -1;
  let bestLen = Infinity;
  g.completions.forEach((c, i) => {
    const s = textOf(c);
    if (!isCorrect(def, params, input, s, p.threshold)) return;
    const L = lengthIn(s, p.unit);
    if (L < bestLen) {
      bestLen = L;
      best = i;
    }
  });
  if (best < 0) return { score: 0, reason: 'no correct completion in the group' };
  if (best !== g.index) return { score: 0, details: { shortest_correct: best } };
  if (bestLen <= p.min_length) return { score: 0, reason: `shortest correct, but not longer than ${p.min_length} ${p.unit}`, details: { length: bestLen } };
  return { score: p.bonus, details: { length: bestLen } };
}

registerReward<LengthBonusParams>({
  name: 'shaping.length_bonus',
  description: 'Observe-R1: the shortest correct completion of its group gets +0.2 when longer than 100 tokens',
  paper: 'Observe-R1 (Guo et al. 2025), length bonus',
  range: [0, 1],
  params: LengthBonusParams as z.ZodType<LengthBonusParams>,
  compile: (p) => {
    const judge = judgeFor(p.correct_by);
    if (typeof judge === 'string') throw new Error(judge);
    return (input) => scoreBonus(input, p, judge);
  },
  score: (input, p) => {
    let judge = judges.get(p.correct_by);
    if (judge === undefined) judges.set(p.correct_by, (judge = judgeFor(p.correct_by)));
    return scoreBonus(input, p, judge);
  },
  examples: [{ completion: '<answer>B</answer>', answer: { choice: 'B' }, score: null, note: 'no group given' }],
});
