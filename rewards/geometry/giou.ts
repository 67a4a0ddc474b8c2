/**
 * geometry.giou — raw Generalized IoU (Rezatofighi et al., CVPR 2019) of the predicted box with
 * `sample.answer.bbox`, in [−1, 1]; −1 when no valid box was given.
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import { guarded, r6 } from './common.js';
import { giou, iou } from './math.js';
import { singleBoxShape } from './params.js';
import { singleBoxPair } from './single.js';

export const GiouParams = z
  .object({
    ...singleBoxShape,
    variant: singleBoxShape.variant.describe("'standard': any box convention; 'vlm-r1': read the box as VLM-R1 does (first integer box in the first <answer>); the value is GIoU either way"),
  })
  .strict();
export type GiouParams = z.infer<typeof GiouParams>;

export const giouReward = registerReward<GiouParams>(
  guarded({
    name: 'geometry.giou',
    description: 'raw GIoU in [-1, 1] of the predicted box with answer.bbox (original pixels); -1 when no box is found',
    paper: 'Rezatofighi et al., Generalized Intersection over Union, CVPR 2019',
    range: [-1, 1],
    needs: ['bbox', 'boxes'],
    examples: [
      { completion: '<answer>[10, 20, 110, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 1 },
      { completion: '<answer>[210, 20, 310, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: -1 / 3, note: 'disjoint: IoU 0 − (60000 − 40000) / 60000' },
      { completion: '<answer>[300, 400, 100, 200]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: -1, note: 'inverted box' },
      { completion: '<answer>no box</answer>', answer: { bbox: [10, 20, 110, 220] }, score: -1 },
    ],
    params: GiouParams as z.ZodType<GiouParams>,
    score(input, params) {
      const p = singleBoxPair(input, params);
      if (p.kind === 'null') return { score: null, reason: p.reason };
      if (p.kind === 'miss') return { score: -1, reason: p.reason, details: p.details };
      const g = giou(p.pred, p.gt);
      p.details.giou = r6(g);
      p.details.iou = r6(iou(p.pred, p.gt));
      return { score: g, details: p.details };
    },
  }),
);
