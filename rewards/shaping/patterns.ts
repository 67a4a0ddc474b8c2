/**
 * shaping.reasoning_pattern — rewards key reasoning phrases (verification, reflection,
 * decomposition) in the reasoning: score = min(1, per_phrase · number of DISTINCT phrases found),
 * matched case-insensitively on word boundaries inside `<think>` (else the whole completion).
 *
 * shaping.repetition — GRIT's repetition penalty (Fan et al. 2025) on adjacent identical n-grams
 * of words (n = 8): with R the number of positions i where words[i, i+n) = words[i+n, i+2n) and
 * P the number of positions, score = −max_penalty · R / P (max_penalty 0.5, GRIT's cap).
 * `mode: any` counts instead the n-grams that already occurred earlier (loops of any period).
 */
import { z } from 'zod';
import { extractTag } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { memoByParams, textOf } from '../shared/text.js';
import type { RewardInput, RewardResult } from '../types.js';

export const DEFAULT_PHRASES = [
  'wait',
  'let me check',
  'let me verify',
  'double-check',
  'on second thought',
  'alternatively',
  'however',
  'first',
  'next',
  'therefore',
  'looking at the image',
  'i notice',
  're-examine',
  'step by step',
];

export const PatternParams = z
  .object({
    phrases: z.array(z.string().min(1).max(100)).min(1).max(200).default(DEFAULT_PHRASES).describe('phrases that mark reasoning (case-insensitive, whole words)'),
    per_phrase: z.number().positive().max(1).default(0.25).describe('score per distinct phrase found; capped at 1'),
    source: z.enum(['think', 'completion']).default('think').describe('think: inside <think> when present, else the completion'),
  })
  .strict();
export type PatternParams = z.infer<typeof PatternParams>;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternScorer(p: PatternParams): (input: RewardInput) => RewardResult {
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${p.phrases.map((x) => escapeRe(x.toLowerCase())).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  return (input) => {
    const c = textOf(input?.completion);
    let text = c;
    if (p.source === 'think') {
      const t = extractTag(c, 'think');
      if (t.ok) text = t.value;
    }
    const seen = new Set<string>();
    re.lastIndex = 0;
    for (let m = re.exec(text); m && seen.size < p.phrases.length; m = re.exec(text)) seen.add(m[0].toLowerCase());
    const score = Math.min(1, seen.size * p.per_phrase);
    return seen.size ? { score, details: { phrases: [...seen].slice(0, 20) } } : { score: 0, reason: 'no reasoning phrase' };
  };
}

const memoPatternScorer = memoByParams(patternScorer);

registerReward<PatternParams>({
  name: 'shaping.reasoning_pattern',
  description: 'per_phrase for each distinct key reasoning phrase (wait, let me verify, therefore, ...) in the reasoning, capped at 1',
  paper: 'reasoning-pattern reward (key reasoning phrases), as in the reward-shaping papers of REFERENCES.md',
  range: [0, 1],
  params: PatternParams as z.ZodType<PatternParams>,
  compile: (p) => patternScorer(p),
  score: (input, p) => memoPatternScorer(p)(input),
  examples: [
    { completion: '<think>First, the cat. Wait, let me verify: therefore left.</think><answer>left</answer>', answer: {}, score: 1 },
    { completion: '<think>It is left.</think><answer>left</answer>', answer: {}, score: 0 },
    { completion: '<think>Firstly no.</think> However, yes', answer: {}, score: 0, note: 'whole words, inside <think>' },
  ],
});

export const RepetitionParams = z
  .object({
    n: z.number().int().min(1).max(64).default(8).describe('n-gram size in words (GRIT: 8)'),
    max_penalty: z.number().min(0).max(1).default(0.5).describe('penalty when every position repeats (GRIT: 0.5)'),
    mode: z
      .enum(['adjacent', 'any'])
      .default('adjacent')
      .describe('adjacent: words[i, i+n) = words[i+n, i+2n) (GRIT); any: the n-gram at i already occurred earlier (catches loops of any period)'),
  })
  .strict();
export type RepetitionParams = z.infer<typeof RepetitionParams>;

function scoreRepetition(completion: unknown, p: RepetitionParams): RewardResult {
  const words = textOf(completion).split(/\s+/).filter((w) => w.length > 0);
  const n = p.n;
  let repeats = 0;
  if (p.mode === 'any') {
    const positions = words.length - n + 1;
    if (positions <= 1) return { score: 0 };
    const seen = new Set<string>();
    for (let i = 0; i < positions; i++) {
      const g = words.slice(i, i + n).join('\u0000');
      if (seen.has(g)) repeats++;
      else seen.add(g);
    }
    if (repeats === 0) return { score: 0 };
    return { score: -p.max_penalty * (repeats / positions), reason: `${repeats} repeated ${n}-gram(s)`, details: { repeats, positions } };
  }
  const positions = words.length - 2 * n + 1;
  if (positions <= 0) return { score: 0 };
  for (let i = 0; i < positions; i++) {
    let same = true;
    for (let k = 0; k < n; k++) {
      if (words[i + k] !== words[i + n + k]) {
        same = false;
        break;
      }
    }
    if (same) repeats++;
  }
  if (repeats === 0) return { score: 0 };
  const score = -p.max_penalty * (repeats / positions);
  return { score: score === 0 ? 0 : score, reason: `${repeats} adjacent repeated ${n}-gram(s)`, details: { repeats, positions } };
}

registerReward<RepetitionParams>({
  name: 'shaping.repetition',
  description: 'GRIT repetition penalty: -max_penalty times the share of positions starting two identical adjacent n-grams',
  paper: 'GRIT (Fan et al. 2025), repetition penalty on adjacent identical 8-grams (max 0.5)',
  range: [-1, 0],
  params: RepetitionParams as z.ZodType<RepetitionParams>,
  score: (input, p) => scoreRepetition(input?.completion, p),
  examples: [
    { completion: 'the cat sits on the mat and looks left', answer: {}, score: 0 },
    { completion: 'a b a b a b a b a b', answer: {}, params: { n: 2 }, score: -0.5 },
    { completion: 'a b c a b c', answer: {}, params: { n: 2, mode: 'any' }, score: -0.5 * (2 / 5) },
  ],
});
