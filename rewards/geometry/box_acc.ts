/**
 * geometry.box_acc — 1 when IoU(pred, answer.bbox) > τ, else 0: the RefCOCO/RefCOCO+/RefCOCOg
 * Acc@0.5 criterion as a reward (and VLM-R1's earlier binary REC reward, `iou > 0.5`).
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import { guarded, r6 } from './common.js';
import { iou, iouVlmR1 } from './math.js';
import { singleBoxShape } from './params.js';
import { singleBoxPair } from './single.js';

export const BoxAccParams = z
  .object({
    ...singleBoxShape,
    threshold: z.number().min(0).max(1).default(0.5).describe('τ: the box counts as correct when IoU > τ (strictly); RefCOCO Acc@0.5 uses 0.5'),
  })
  .strict();
export type BoxAccParams = z.infer<typeof BoxAccParams>;

export const boxAccReward = registerReward<BoxAccParams>(
  guarded({
    name: 'geometry.box_acc',
    description: '1 when the IoU of the predicted box with answer.bbox exceeds the threshold (original pixels), else 0',
    paper: 'RefCOCO Acc@0.5 (Yu et al. 2016; Mao et al. 2016); VLM-R1 binary REC reward',
    range: [0, 1],
    needs: ['bbox', 'boxes'],
    examples: [
      { completion: '<answer>[12, 22, 110, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 1 },
      { completion: '<answer>[60, 20, 160, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 0, note: 'IoU 1/3 ≤ 0.5' },
      { completion: '<answer>[60, 20, 160, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, params: { threshold: 0.3 }, score: 1 },
    ],
    params: BoxAccParams as z.ZodType<BoxAccParams>,
    score(input, params) {
      const p = singleBoxPair(input, params);
      if (p.kind === 'null') return { score: null, reason: p.reason };
      if (p.kind === 'miss') return { score: 0, reason: p.reason, details: p.details };
      const v = params.variant === 'vlm-r1' ? iouVlmR1(p.pred, p.gt) : iou(p.pred, p.gt);
      const hit = v > params.threshold;
      return { score: hit ? 1 : 0, ...(hit ? {} : { reason: `IoU ${r6(v)} ≤ ${params.threshold}` }), details: { ...p.details, iou: r6(v), threshold: params.threshold } };
    },
  }),
);
