/**
 * `semantic.clip_text_image`: how well the completion's answer describes the sample's image.
 *
 * - form `clip_s` (default): CLIP-S = w · max(0, cos(E_img(image), E_txt(prefix + caption))),
 *   w = 2.5, prefix "A photo depicts " (Hessel et al., CLIPScore, EMNLP 2021; used as the caption
 *   reward of Cho et al., "Fine-grained Image Captioning with CLIP Reward", NAACL 2022).
 * - form `sgp`: (1 + cos)/2 without prefix (the text–image term of symbolic graphics programming
 *   RL, SGP-GenBench).
 * Null when the sample has no image or no text–image model is configured (reason "unavailable: …").
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { answerText, guarded, modelParam } from './common.js';
import { cosine } from './embedder.js';
import { textImageInputs } from './services.js';

export const ClipTextImageParams = z
  .object({
    form: z.enum(['clip_s', 'sgp']).default('clip_s').describe('clip_s: w·max(0, cos) (CLIPScore); sgp: (1 + cos)/2 (SGP-GenBench)'),
    w: z.number().positive().max(2.5).default(2.5).describe('CLIP-S weight (2.5 in CLIPScore); clip_s form only'),
    prefix: z.string().max(200).default('A photo depicts ').describe('text prepended to the caption (CLIPScore); clip_s form only'),
    model: modelParam,
  })
  .strict();
export type ClipTextImageParams = z.infer<typeof ClipTextImageParams>;

/** Maps a cosine to the reward per `form`. */
export function clipScoreOf(cos: number, p: { form: 'clip_s' | 'sgp'; w: number }): number {
  const c = Number.isFinite(cos) ? Math.max(-1, Math.min(1, cos)) : 0;
  return p.form === 'sgp' ? (1 + c) / 2 : p.w * Math.max(0, c);
}

async function score(input: RewardInput, p: ClipTextImageParams, ctx?: RewardContext): Promise<RewardResult> {
  const got = await textImageInputs(input, p.model, ctx);
  if (!got.ok) return { score: null, reason: got.reason };
  const caption = answerText(input.completion);
  const text = p.form === 'clip_s' ? p.prefix + caption : caption;
  const [t] = await got.embedder.embedTexts([text]);
  const [v] = await got.embedder.embedImages([got.image]);
  const cos = cosine(t!, v!);
  return { score: clipScoreOf(cos, p), details: { cos, form: p.form, caption, model: got.source } };
}

registerReward({
  name: 'semantic.clip_text_image',
  description: 'CLIP-S = w·max(0, cos(image, "A photo depicts " + answer)) (or (1 + cos)/2) with a local CLIP/SigLIP; null without an image or a model',
  paper: 'Hessel et al., CLIPScore (EMNLP 2021), w = 2.5; Cho et al., Fine-grained Image Captioning with CLIP Reward (NAACL 2022); SGP-GenBench (1 + cos)/2',
  range: [0, 2.5],
  params: ClipTextImageParams,
  async: true,
  score: (input, p, ctx) => guarded('semantic.clip_text_image', () => score(input, p, ctx)),
  examples: [
    { completion: 'a red circle', answer: {}, score: null, note: 'no image in the sample: null' },
    { completion: 'a red circle', answer: {}, params: { form: 'sgp' }, score: null, note: 'sgp form, no image: null' },
  ],
});
