/**
 * `svg.render_check`: the SVG reward of symbolic graphics programming RL (see pipeline.ts for the
 * stages and the formula). Variants: `sgp` (the published defaults: gate, text–image and
 * image–image terms weighted 1 each, no length term) and `sgp_length` (plus the length term
 * clamp(1 − len/6000, 0, 1), weight 1). Explicit weights override the variant's.
 *
 * The description is `answer.text`, else `answer.caption`, else `answer.label` (the synthetic svg
 * task's "blue circle"), else the prompt; the reference image is
 * `answer.reference_image`, else the sample's input image. Range [0, 1]; never null.
 */
import { z } from 'zod';
import type { Sample } from '../../data/schema.js';
import { registerReward } from '../registry.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { answerField, loadSource, referenceImageSource } from '../semantic/common.js';
import { resolveEmbedder } from '../semantic/services.js';
import { checkSvgCompletion, type SvgCheckResult } from './pipeline.js';

export const SVG_VARIANTS = {
  sgp: { text: 1, image: 1, length: 0 },
  sgp_length: { text: 1, image: 1, length: 1 },
} as const;

export const RenderCheckParams = z
  .object({
    variant: z.enum(['sgp', 'sgp_length']).default('sgp').describe('sgp: published SGP-GenBench defaults (gate · mean of text–image and image–image terms); sgp_length adds the length term'),
    text_weight: z.number().min(0).max(100).optional().describe('weight of the text–image term (overrides the variant)'),
    image_weight: z.number().min(0).max(100).optional().describe('weight of the image–image term (overrides the variant)'),
    length_weight: z.number().min(0).max(100).optional().describe('weight of the length term (overrides the variant)'),
    length_max: z.number().positive().default(6000).describe('SVG length (characters) at which the length term reaches 0 (SGP: 6000)'),
    size: z.number().int().min(16).max(1024).default(256).describe('render size in pixels (square)'),
    require_answer: z.boolean().default(false).describe('format gate: the SVG must be inside <answer>'),
    model: z.string().default('').describe('text–image model folder (CLIP/SigLIP); empty: the clip service or GLIMPSE_CLIP_MODEL'),
    image_model: z.string().default('').describe('image–image model folder (DINOv2); empty: the dino service, GLIMPSE_DINO_MODEL, else the text–image model'),
  })
  .strict();
export type RenderCheckParams = z.infer<typeof RenderCheckParams>;

/** The description the drawing is judged against. */
export function svgDescription(sample: Sample | undefined): string | undefined {
  const d = answerField(sample, 'text') ?? answerField(sample, 'caption') ?? answerField(sample, 'label');
  if (d) return d.slice(0, 2000);
  const p = (sample as { prompt?: unknown } | undefined)?.prompt;
  return typeof p === 'string' && p.trim().length > 0 ? p.slice(0, 2000) : undefined;
}

/** Weights after the variant and overrides. */
export function svgWeights(p: RenderCheckParams): { text: number; image: number; length: number } {
  const v = SVG_VARIANTS[p.variant];
  return { text: p.text_weight ?? v.text, image: p.image_weight ?? v.image, length: p.length_weight ?? v.length };
}

/** `details` of the reward: every stage, JSON-safe (no pixels). */
export function svgDetails(r: SvgCheckResult): Record<string, unknown> {
  return { gate: r.gate, terms: r.terms, svg_length: r.svgLength ?? null };
}

async function score(input: RewardInput, p: RenderCheckParams, ctx?: RewardContext): Promise<RewardResult> {
  const weights = svgWeights(p);
  const sample = input?.sample;
  const description = weights.text > 0 ? svgDescription(sample) : undefined;
  const refSrc = weights.image > 0 ? referenceImageSource(sample) : undefined;
  const [tm, im, ref] = await Promise.all([
    description ? resolveEmbedder('text_image', p.model, ctx) : undefined,
    refSrc ? resolveEmbedder('image_image', p.image_model, ctx) : undefined,
    refSrc ? loadSource(refSrc) : undefined,
  ]);
  const r = await checkSvgCompletion(input?.completion, {
    ...(description ? { description } : {}),
    ...(ref?.ok ? { reference: ref.image } : {}),
    ...(tm ? { textModel: tm.ok ? tm.embedder : tm.reason } : {}),
    ...(im ? { imageModel: im.ok ? im.embedder : im.reason } : {}),
    weights,
    lengthMax: p.length_max,
    size: p.size,
    requireAnswer: p.require_answer,
  });
  const details = svgDetails(r);
  if (ref && !ref.ok) details.reference = ref.reason;
  const reason = !r.gate.passed ? `gate: ${r.gate.format.ok ? r.gate.render.reason : r.gate.format.reason}` : undefined;
  return { score: r.total, ...(reason ? { reason } : {}), details };
}

registerReward({
  name: 'svg.render_check',
  description: 'SVG-RL reward: format + sanitiser + render gate, then (1+cos)/2 text–image and image–image terms and an optional length term; unavailable terms are left out, not 0',
  paper: 'Symbolic Graphics Programming with LLMs (SGP-GenBench, 2025): format-validity gate, SigLIP text–image and DINO image–image (1 + cos)/2 rewards, length term clamp(1 − len/6000, 0, 1)',
  range: [0, 1],
  params: RenderCheckParams,
  async: true,
  score: async (input, p, ctx) => {
    try {
      return await score(input, p, ctx);
    } catch (e) {
      return { score: 0, reason: `svg.render_check: ${e instanceof Error ? e.message : String(e)}` };
    }
  },
  examples: [
    { completion: 'no drawing here', answer: {}, score: 0, note: 'no SVG: the gate fails' },
    {
      completion: '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="red"/></svg></answer>',
      answer: {},
      score: 1,
      note: 'renders, no description and no reference: the gate alone (1)',
    },
    {
      completion: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="blue"/>${'<!-- pad -->'.repeat(125)}</svg>`,
      answer: {},
      params: { variant: 'sgp_length' },
      score: 1 - 1608 / 6000,
      note: 'sgp_length: only the length term is available (1608 characters)',
    },
  ],
});
