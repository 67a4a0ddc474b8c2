/**
 * accuracy.text — 1 when the answer text equals `answer.text` after normalisation, else 0; null
 * without `answer.text`. `normalize: squad` (default) lower-cases, drops punctuation and the
 * articles a/an/the, and collapses whitespace (the SQuAD / VQA exact-match convention);
 * `lower` only lower-cases and trims; `exact` compares as written (trimmed). `match: contains`
 * accepts an answer that contains the normalised ground truth as whole words.
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import { answerOf, answerRecord, answerSourceParam } from '../shared/text.js';
import type { RewardResult } from '../types.js';

export const TextParams = z
  .object({
    normalize: z.enum(['squad', 'lower', 'exact']).default('squad').describe('squad: lower case, no punctuation or articles, single spaces (Rajpurkar et al. 2016)'),
    match: z.enum(['exact', 'contains']).default('exact').describe('exact: equal after normalisation; contains: the answer contains the ground truth as whole words'),
    source: answerSourceParam,
  })
  .strict();
export type TextParams = z.infer<typeof TextParams>;

/** SQuAD-style normalisation: NFKC, lower case, punctuation → space, no articles, single spaces. */
export function normalizeAnswer(s: string, mode: 'squad' | 'lower' | 'exact'): string {
  if (mode === 'exact') return s.trim();
  const lower = s.normalize('NFKC').toLowerCase().trim();
  if (mode === 'lower') return lower;
  return lower
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function scoreText(completion: unknown, sample: unknown, p: TextParams): RewardResult {
  const a = answerRecord(sample);
  if (a.text === undefined) return { score: null, reason: 'no answer.text' };
  if (typeof a.text !== 'string') return { score: 0, reason: 'answer.text is not a string' };
  const gt = normalizeAnswer(a.text, p.normalize);
  const pred = normalizeAnswer(answerOf(completion, p.source).text.slice(0, 100_000), p.normalize);
  if (pred === '') return { score: 0, reason: 'empty answer' };
  const ok = p.match === 'exact' ? pred === gt : gt !== '' && ` ${pred} `.includes(` ${gt} `);
  return ok ? { score: 1 } : { score: 0, reason: `"${pred.slice(0, 60)}" does not match "${gt.slice(0, 60)}"` };
}

export const textReward = registerReward<TextParams>({
  name: 'accuracy.text',
  description: '1 when the answer equals answer.text after normalisation (SQuAD/VQA exact match)',
  paper: 'exact match after SQuAD normalisation (Rajpurkar et al. 2016)',
  range: [0, 1],
  params: TextParams as z.ZodType<TextParams>,
  needs: ['text'],
  score: (input, p) => scoreText(input?.completion, input?.sample, p),
  examples: [
    { completion: '<answer>The Red Cat.</answer>', answer: { text: 'a red cat' }, score: 1 },
    { completion: '<answer>The Red Cat.</answer>', answer: { text: 'a red cat' }, params: { normalize: 'exact' }, score: 0 },
    { completion: '<answer>it is a red cat, surely</answer>', answer: { text: 'red cat' }, params: { match: 'contains' }, score: 1 },
    { completion: '<answer>dog</answer>', answer: { text: 'cat' }, score: 0 },
  ],
});
