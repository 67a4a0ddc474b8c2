/**
 * accuracy.number — 1 when the number the completion gives (rewards/parse parseNumber: \boxed{},
 * "answer is", fractions, units) is within tolerance of `answer.number`:
 * |pred − gt| ≤ max(abs_tol, rel_tol·|gt|); else 0. null without `answer.number`.
 */
import { z } from 'zod';
import { parseNumber } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerOf, answerRecord, answerSourceParam } from '../shared/text.js';
import type { RewardResult } from '../types.js';

export const NumberParams = z
  .object({
    abs_tol: z.number().min(0).default(1e-6).describe('absolute tolerance'),
    rel_tol: z.number().min(0).default(0).describe('relative tolerance, as a fraction of |answer.number| (e.g. 0.05 for 5 %)'),
    source: answerSourceParam,
  })
  .strict();
export type NumberParams = z.infer<typeof NumberParams>;

function scoreNumber(completion: unknown, sample: unknown, p: NumberParams): RewardResult {
  const a = answerRecord(sample);
  if (a.number === undefined) return { score: null, reason: 'no answer.number' };
  const gt = a.number;
  if (typeof gt !== 'number' || !Number.isFinite(gt)) return { score: 0, reason: 'answer.number is not a finite number' };
  const { text } = answerOf(completion, p.source);
  const r = parseNumber(text);
  if (!r.ok) return { score: 0, reason: r.reason };
  const err = Math.abs(r.value - gt);
  const ok = err <= Math.max(p.abs_tol, p.rel_tol * Math.abs(gt));
  const details = { predicted: r.value, via: r.via, abs_error: err };
  return ok ? { score: 1, details } : { score: 0, reason: `${r.value} is not ${gt}`, details };
}

export const numberReward = registerReward<NumberParams>({
  name: 'accuracy.number',
  description: '1 when the numeric answer is within tolerance of answer.number',
  paper: 'rule-based numeric accuracy reward (DeepSeek-R1; math-verify style \\boxed{} answers)',
  range: [0, 1],
  params: NumberParams as z.ZodType<NumberParams>,
  needs: ['number'],
  score: (input, p) => scoreNumber(input?.completion, input?.sample, p),
  examples: [
    { completion: '<think>6*7</think><answer>\\boxed{42}</answer>', answer: { number: 42 }, score: 1 },
    { completion: '<answer>about 41 apples</answer>', answer: { number: 42 }, score: 0 },
    { completion: '<answer>41</answer>', answer: { number: 42 }, params: { rel_tol: 0.05 }, score: 1 },
    { completion: '<answer>3/4</answer>', answer: { number: 0.75 }, score: 1 },
  ],
});
