/**
 * `semantic.image_image`: (1 + cos(E(reference), E(render)))/2 between the sample's reference
 * image and the image the completion draws (its SVG, rendered), with DINOv2 features (else the
 * CLIP image tower) — the image–image term of SGP-GenBench. 0 when the completion has no
 * renderable SVG; null without a reference image or a model.
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { checkSvgCompletion } from '../svg/pipeline.js';
import { guarded, loadSource, modelParam, referenceImageSource } from './common.js';
import { resolveEmbedder } from './services.js';

export const ImageImageParams = z
  .object({
    size: z.number().int().min(16).max(1024).default(256).describe('render size in pixels (square)'),
    model: modelParam,
  })
  .strict();
export type ImageImageParams = z.infer<typeof ImageImageParams>;

async function score(input: RewardInput, p: ImageImageParams, ctx?: RewardContext): Promise<RewardResult> {
  const src = referenceImageSource(input?.sample);
  if (!src) return { score: null, reason: 'no reference image in the sample' };
  const model = await resolveEmbedder('image_image', p.model, ctx);
  if (!model.ok) return { score: null, reason: model.reason };
  const ref = await loadSource(src);
  if (!ref.ok) return { score: null, reason: ref.reason };
  const r = await checkSvgCompletion(input.completion, {
    reference: ref.image,
    imageModel: model.embedder,
    weights: { text: 0, image: 1, length: 0 },
    lengthMax: 6000,
    size: p.size,
    requireAnswer: false,
  });
  const t = r.terms.image_image;
  if (!r.gate.passed) return { score: 0, reason: `gate: ${r.gate.format.ok ? r.gate.render.reason : r.gate.format.reason}`, details: { gate: r.gate } };
  return { score: t.value ?? 0, ...(t.reason ? { reason: t.reason } : {}), details: { cos: t.cos ?? null, model: model.source } };
}

registerReward({
  name: 'semantic.image_image',
  description: '(1 + cos)/2 of DINOv2 (else CLIP) image embeddings of the reference image and the rendered SVG of the completion; null without a reference or a model',
  paper: 'SGP-GenBench (Symbolic Graphics Programming with LLMs, 2025): DINO image–image reward; Oquab et al., DINOv2 (2023)',
  range: [0, 1],
  params: ImageImageParams,
  async: true,
  score: (input, p, ctx) => guarded('semantic.image_image', () => score(input, p, ctx)),
  examples: [{ completion: '<svg xmlns="http://www.w3.org/2000/svg"/>', answer: {}, score: null, note: 'no reference image: null' }],
});
