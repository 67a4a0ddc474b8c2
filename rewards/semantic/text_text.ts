/**
 * `semantic.text_text`: cosine of the CLIP text embeddings of the answer and the ground-truth
 * `answer.text` — the semantic term of 3D-R1 (total 0.3·format + 0.4·perception + 0.3·semantic).
 * Range [-1, 1] (`clamp: true` gives max(0, cos) in [0, 1]). Null without `answer.text` or a model.
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { answerField, answerText, guarded, modelParam } from './common.js';
import { cosine } from './embedder.js';
import { resolveEmbedder } from './services.js';

export const TextTextParams = z
  .object({
    clamp: z.boolean().default(false).describe('max(0, cos) instead of cos (3D-R1 uses the raw cosine)'),
    model: modelParam,
  })
  .strict();
export type TextTextParams = z.infer<typeof TextTextParams>;

async function score(input: RewardInput, p: TextTextParams, ctx?: RewardContext): Promise<RewardResult> {
  const gt = answerField(input?.sample, 'text');
  if (gt === undefined) return { score: null, reason: 'no answer.text in the sample' };
  const model = await resolveEmbedder('text_image', p.model, ctx);
  if (!model.ok) return { score: null, reason: model.reason };
  const answer = answerText(input.completion);
  const [a, b] = await model.embedder.embedTexts([answer, gt.slice(0, 2000)]);
  const cos = cosine(a!, b!);
  return { score: p.clamp ? Math.max(0, cos) : cos, details: { cos, model: model.source } };
}

registerReward({
  name: 'semantic.text_text',
  description: 'cosine of CLIP text embeddings of the answer and answer.text (3D-R1 semantic term); null without answer.text or a model',
  paper: '3D-R1 (Huang et al., 2025): semantic reward = CLIP text cosine of answer and ground truth',
  range: [-1, 1],
  params: TextTextParams,
  async: true,
  needs: ['text'],
  score: (input, p, ctx) => guarded('semantic.text_text', () => score(input, p, ctx)),
  examples: [{ completion: '<answer>a chair</answer>', answer: {}, score: null, note: 'no answer.text: null' }],
});
