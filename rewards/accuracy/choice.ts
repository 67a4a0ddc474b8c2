/**
 * accuracy.choice — 1 when the option letter the completion chooses (rewards/parse parseChoice,
 * read inside the last <answer> by default) equals `answer.choice`, else 0; null without
 * `answer.choice`. The ground truth may be written `B`, `(B)` or `b`.
 */
import { z } from 'zod';
import { parseChoice } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerOf, answerRecord, answerSourceParam } from '../shared/text.js';
import type { RewardResult } from '../types.js';

export const ChoiceParams = z
  .object({
    letters: z.string().regex(/^[A-Za-z]{2,26}$/).default('ABCDEF').describe('valid option letters (the ground-truth letter is always added)'),
    source: answerSourceParam,
  })
  .strict();
export type ChoiceParams = z.infer<typeof ChoiceParams>;

/** The normalised ground-truth letter, or undefined when `choice` is not a letter. */
export function gtLetter(choice: unknown): string | undefined {
  if (typeof choice !== 'string') return undefined;
  const m = /^\s*\(?\s*([A-Za-z])\s*\)?\s*\.?\s*$/.exec(choice);
  return m ? m[1]!.toUpperCase() : undefined;
}

function scoreChoice(completion: unknown, sample: unknown, p: ChoiceParams): RewardResult {
  const a = answerRecord(sample);
  if (a.choice === undefined) return { score: null, reason: 'no answer.choice' };
  const gt = gtLetter(a.choice);
  if (gt === undefined) return { score: 0, reason: `answer.choice ${JSON.stringify(a.choice).slice(0, 40)} is not an option letter` };
  const { text } = answerOf(completion, p.source);
  const letters = p.letters.toUpperCase().includes(gt) ? p.letters : p.letters + gt;
  const r = parseChoice(text, { letters });
  if (!r.ok) return { score: 0, reason: r.reason };
  return r.value === gt ? { score: 1, details: { chosen: r.value, via: r.via } } : { score: 0, reason: `chose ${r.value}, expected ${gt}`, details: { chosen: r.value, via: r.via } };
}

export const choiceReward = registerReward<ChoiceParams>({
  name: 'accuracy.choice',
  description: '1 when the chosen option letter equals answer.choice',
  paper: 'multiple-choice accuracy reward (DeepSeek-R1-style rule-based accuracy; Observe-R1, TON)',
  range: [0, 1],
  params: ChoiceParams as z.ZodType<ChoiceParams>,
  needs: ['choice'],
  score: (input, p) => scoreChoice(input?.completion, input?.sample, p),
  examples: [
    { completion: '<think>x</think><answer>(B)</answer>', answer: { choice: 'B' }, score: 1 },
    { completion: '<think>x</think><answer>The answer is C.</answer>', answer: { choice: 'b' }, score: 0 },
    { completion: '<answer>G</answer>', answer: { choice: 'G' }, score: 1, note: 'ground-truth letter beyond F' },
    { completion: '<answer>B</answer>', answer: {}, score: null },
  ],
});
