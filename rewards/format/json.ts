/**
 * format.json — 1 when the answer is JSON (strict, or repaired when `allow_repair`) that matches
 * the declared shape, else 0 with the first mismatch as the reason. `shape` is a preset
 * (`any`, `bbox_2d`, `point_2d`, `position`) or a shape in the language of ./shape.ts, e.g.
 * `{"objects": [{"bbox_2d": "bbox", "label?": "string"}]}`.
 */
import { z } from 'zod';
import { parseLenientJson } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerOf, answerSourceParam, memoByParams } from '../shared/text.js';
import type { RewardInput, RewardResult } from '../types.js';
import { checkShape, matchShape, SHAPE_PRESETS, type Shape } from './shape.js';

export const JsonParams = z
  .object({
    shape: z
      .unknown()
      .default('any')
      .superRefine((v, ctx) => {
        if (typeof v === 'string' && v in SHAPE_PRESETS) return;
        const e = checkShape(v);
        if (e) ctx.addIssue({ code: 'custom', message: `${e}; or a preset: ${Object.keys(SHAPE_PRESETS).join(', ')}` });
      })
      .describe('a preset (any, bbox_2d, point_2d, position) or a shape: type names, [T], {key: T, "opt?": T}, {$oneOf: [...]}'),
    allow_repair: z.boolean().default(true).describe('accept JSON that needed repair (single quotes, truncation), as Visual-RFT does'),
    source: answerSourceParam,
  })
  .strict();
export type JsonParams = z.infer<typeof JsonParams>;

function scorer(p: JsonParams): (input: RewardInput) => RewardResult {
  const shape: Shape = typeof p.shape === 'string' && p.shape in SHAPE_PRESETS ? SHAPE_PRESETS[p.shape]! : (p.shape as Shape);
  return (input) => {
    const { text } = answerOf(input?.completion, p.source);
    const r = parseLenientJson(text);
    if (!r.ok) return { score: 0, reason: r.reason };
    if (r.via === 'repaired' && !p.allow_repair) return { score: 0, reason: 'JSON is malformed (repair not allowed)' };
    const e = matchShape(r.value, shape);
    if (e) return { score: 0, reason: e };
    return r.via === 'repaired' ? { score: 1, reason: 'JSON was repaired' } : { score: 1 };
  };
}

const memoScorer = memoByParams(scorer);

export const jsonReward = registerReward<JsonParams>({
  name: 'format.json',
  description: '1 when the answer parses as JSON and matches the declared shape, else 0 with the mismatch',
  paper: 'Qwen2.5-VL JSON grounding output; Visual-RFT (Liu et al. 2025) repaired JSON',
  range: [0, 1],
  params: JsonParams as z.ZodType<JsonParams>,
  compile: (p) => scorer(p),
  score: (input, p) => memoScorer(p)(input),
  examples: [
    { completion: '<answer>[{"bbox_2d": [1, 2, 3, 4], "label": "cat"}]</answer>', answer: {}, params: { shape: 'bbox_2d' }, score: 1 },
    { completion: '<answer>{"bbox_2d": [1, 2, 3]}</answer>', answer: {}, params: { shape: 'bbox_2d' }, score: 0 },
    { completion: "<answer>[{'Position': [1, 2, 3, 4], 'Confidence': 0.9}</answer>", answer: {}, params: { shape: 'position' }, score: 1 },
    { completion: "<answer>[{'Position': [1, 2, 3, 4]}]</answer>", answer: {}, params: { shape: 'position', allow_repair: false }, score: 0 },
    { completion: '<answer>{"count": 3, "names": ["a"]}</answer>', answer: {}, params: { shape: { count: 'integer', names: ['string'] } }, score: 1 },
    { completion: 'no json', answer: {}, score: 0 },
  ],
});
