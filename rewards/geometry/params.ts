/** Zod pieces shared by the geometry rewards' params schemas. */
import { z } from 'zod';
import { coordsParam, sourceParam } from './common.js';

/** Params of the single-box rewards (geometry.iou, geometry.giou, geometry.box_acc). */
export const singleBoxShape = {
  variant: z
    .enum(['standard', 'vlm-r1'])
    .default('standard')
    .describe(
      "'standard': continuous IoU of the picked box, any box convention; 'vlm-r1': VLM-R1's REC reward exactly (first integer box in the first <answer>, inclusive-pixel intersection; ignores source/pick)",
    ),
  coords: coordsParam,
  source: sourceParam,
  pick: z.enum(['first', 'last']).default('first').describe('which predicted box to score when the answer holds several'),
};
