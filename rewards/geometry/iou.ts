/**
 * geometry.iou — IoU of the predicted box with `sample.answer.bbox`, in original pixels.
 *
 * Default: standard continuous IoU (areas (x2−x1)(y2−y1)). `variant: 'vlm-r1'` reproduces the
 * VLM-R1 REC accuracy reward (Shen et al. 2025, open-r1-multimodal `iou_reward`).
 */
import { z } from 'zod';
import { registerReward } from '../registry.js';
import { guarded, r6 } from './common.js';
import { iou, iouVlmR1 } from './math.js';
import { singleBoxShape } from './params.js';
import { singleBoxPair } from './single.js';

export const IouParams = z.object(singleBoxShape).strict();
export type IouParams = z.infer<typeof IouParams>;

export const iouReward = registerReward<IouParams>(
  guarded({
    name: 'geometry.iou',
    description: 'IoU of the predicted box with answer.bbox, after converting the model coordinates to original pixels',
    paper: 'standard IoU; variant vlm-r1: VLM-R1 (Shen et al. 2025, arXiv:2504.07615), qwen_module.py iou_reward',
    range: [0, 1],
    needs: ['bbox', 'boxes'],
    examples: [
      { completion: '<think>left</think><answer>{"bbox_2d": [10, 20, 110, 220], "label": "cat"}</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 1, note: 'exact box' },
      { completion: '<answer>[60, 20, 160, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 1 / 3, note: 'half shifted: 10000 / 30000' },
      { completion: '<answer>[109, 20, 200, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 200 / 38000, note: 'one-pixel overlap, continuous IoU' },
      { completion: '<answer>[109,20,200,220]</answer>', answer: { bbox: [10, 20, 110, 220] }, params: { variant: 'vlm-r1' }, score: 0, note: 'VLM-R1: an overlap of one pixel counts 0 (inclusive x2)' },
      { completion: '<answer>[10.5, 20, 110, 220]</answer>', answer: { bbox: [10, 20, 110, 220] }, params: { variant: 'vlm-r1' }, score: 0, note: 'VLM-R1 reads integer boxes only' },
      { completion: '<answer>[100, 200, 500, 600]</answer>', answer: { bbox: [10, 20, 110, 220] }, params: { coords: 'norm1000' }, score: null, note: 'norm1000 without a coordinate map: the image size is unknown' },
      { completion: 'no box here', answer: { bbox: [10, 20, 110, 220] }, score: 0 },
      { completion: '<answer>[1, 2, 3, 4]</answer>', answer: { span: [1, 2] }, score: null, note: 'no box ground truth' },
    ],
    params: IouParams as z.ZodType<IouParams>,
    score(input, params) {
      const p = singleBoxPair(input, params);
      if (p.kind === 'null') return { score: null, reason: p.reason };
      if (p.kind === 'miss') return { score: 0, reason: p.reason, details: p.details };
      const v = params.variant === 'vlm-r1' ? iouVlmR1(p.pred, p.gt) : iou(p.pred, p.gt);
      p.details.iou = r6(v);
      return { score: v, details: p.details };
    },
  }),
);
