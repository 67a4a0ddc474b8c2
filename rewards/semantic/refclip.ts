/**
 * `semantic.refclip`: RefCLIP-S = H-Mean(CLIP-S(c, v), max(0, max_r cos(c, r))), the harmonic mean
 * of the image term CLIP-S = w·max(0, cos(E_img(v), E_txt(prefix + c))) and the best cosine of the
 * candidate with a reference caption r (text embeddings, same prefix) — Hessel et al., CLIPScore.
 * References: `answer.references` (strings), else `answer.text`. Null without image, references
 * or model. Range [0, 2.5] (the harmonic mean never exceeds its larger argument).
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { answerField, answerList, answerText, guarded, modelParam } from './common.js';
import { cosine } from './embedder.js';
import { textImageInputs } from './services.js';

export const RefClipParams = z
  .object({
    w: z.number().positive().max(2.5).default(2.5).describe('CLIP-S weight (2.5 in CLIPScore)'),
    prefix: z.string().max(200).default('A photo depicts ').describe('prefix of candidate and references (CLIPScore)'),
    model: modelParam,
  })
  .strict();
export type RefClipParams = z.infer<typeof RefClipParams>;

/** Harmonic mean of two non-negative numbers (0 when either is 0). */
export function harmonic(a: number, b: number): number {
  return a > 0 && b > 0 ? (2 * a * b) / (a + b) : 0;
}

async function score(input: RewardInput, p: RefClipParams, ctx?: RewardContext): Promise<RewardResult> {
  const refs = answerList(input?.sample, 'references');
  const single = answerField(input?.sample, 'text');
  if (refs.length === 0 && single !== undefined) refs.push(single.slice(0, 2000));
  if (refs.length === 0) return { score: null, reason: 'no reference captions (answer.references or answer.text)' };
  const got = await textImageInputs(input, p.model, ctx);
  if (!got.ok) return { score: null, reason: got.reason };
  const caption = answerText(input.completion);
  const [c, ...r] = await got.embedder.embedTexts([p.prefix + caption, ...refs.map((x) => p.prefix + x)]);
  const [v] = await got.embedder.embedImages([got.image]);
  const cos = cosine(c!, v!);
  const clipS = p.w * Math.max(0, cos);
  const refSims = r.map((x) => cosine(c!, x));
  const best = Math.max(0, ...refSims);
  return { score: harmonic(clipS, best), details: { clip_s: clipS, cos, best_reference: best, reference_cos: refSims, model: got.source } };
}

registerReward({
  name: 'semantic.refclip',
  description: 'RefCLIP-S: harmonic mean of CLIP-S(answer, image) and the best cosine with a reference caption; null without image, references or model',
  paper: 'Hessel et al., CLIPScore: A Reference-free Evaluation Metric for Image Captioning (EMNLP 2021), RefCLIP-S',
  range: [0, 2.5],
  params: RefClipParams,
  async: true,
  needs: ['references', 'text'],
  score: (input, p, ctx) => guarded('semantic.refclip', () => score(input, p, ctx)),
  examples: [{ completion: 'a cat', answer: {}, score: null, note: 'no references: null' }],
});
