/**
 * geometry.iou3d — 3D box IoU (scene units) of predicted 3D boxes with the ground truth.
 *
 * - `variant: 'standard'`: yaw-aware IoU of the first (or last) predicted box with `answer.box3d`.
 * - `variant: '3d-r1'`: 3D-R1's perception reward: mean over predicted boxes of the best
 *   axis-aligned IoU with any ground-truth box (`answer.boxes3d`, else `[answer.box3d]`).
 */
import { z } from 'zod';
import type { Box3D } from '../../data/schema.js';
import { parseBoxes3D } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerText, DETAIL_LIMIT, gtBox3DList, gtSingleBox3D, guarded, r6, sourceParam } from './common.js';
import { iou3d, iou3dAxisAligned } from './math.js';

export const Iou3dParams = z
  .object({
    variant: z
      .enum(['standard', '3d-r1'])
      .default('standard')
      .describe("'standard': yaw-aware IoU of one predicted box with answer.box3d; '3d-r1': mean over predicted boxes of the best axis-aligned IoU (3D-R1 perception reward)"),
    pick: z.enum(['first', 'last']).default('first').describe('standard: which predicted box to score'),
    max_boxes: z.number().int().min(1).max(10000).default(100).describe('3d-r1: predictions beyond this many are ignored'),
    source: sourceParam,
  })
  .strict();
export type Iou3dParams = z.infer<typeof Iou3dParams>;

const show = (b: Box3D) => ({ center: b.center.map(r6), size: b.size.map(r6), ...(b.yaw !== undefined ? { yaw: r6(b.yaw) } : {}) });

export const iou3dReward = registerReward<Iou3dParams>(
  guarded({
    name: 'geometry.iou3d',
    description: '3D IoU of predicted boxes with answer.box3d / answer.boxes3d (scene units; yaw about z)',
    paper: 'ScanRefer Acc@k (Chen et al. 2020) 3D IoU; variant 3d-r1: 3D-R1 (Huang et al. 2025, arXiv:2507.23478) perception reward',
    range: [0, 1],
    needs: ['box3d', 'boxes3d'],
    examples: [
      { completion: '<answer>{"bbox_3d": [1, 2, 0.5, 1, 1, 1, 0.3]}</answer>', answer: { box3d: { center: [1, 2, 0.5], size: [1, 1, 1], yaw: 0.3 } }, score: 1 },
      { completion: '<answer>{"center": [1.5, 2, 0.5], "size": [1, 1, 1]}</answer>', answer: { box3d: { center: [1, 2, 0.5], size: [1, 1, 1] } }, score: 1 / 3 },
      {
        completion: '<answer>[1, 2, 0.5, 1, 1, 1] [9, 9, 9, 1, 1, 1]</answer>',
        answer: { boxes3d: [{ center: [1, 2, 0.5], size: [1, 1, 1] }] },
        params: { variant: '3d-r1' },
        score: 0.5,
        note: 'mean over predictions of the best IoU: (1 + 0) / 2',
      },
    ],
    params: Iou3dParams as z.ZodType<Iou3dParams>,
    score(input, params) {
      const ans = answerText(input?.completion, params.source);
      if (params.variant === '3d-r1') {
        const gts = gtBox3DList(input?.sample);
        if (!gts || gts.length === 0) return { score: null, reason: 'sample has no ground-truth 3D boxes (answer.boxes3d or answer.box3d)' };
        const details: Record<string, unknown> = { variant: '3d-r1', answer_from: ans.from, n_gt: gts.length };
        const parsed = parseBoxes3D(ans.text);
        if (!parsed.ok || parsed.value.length === 0) return { score: 0, reason: `no 3D box in the ${ans.from}${parsed.ok ? '' : `: ${parsed.reason}`}`, details };
        const preds = parsed.value.slice(0, params.max_boxes);
        const best = preds.map((p) => gts.reduce((m, g) => Math.max(m, iou3dAxisAligned(p, g)), 0));
        const mean = best.reduce((s, x) => s + x, 0) / best.length;
        Object.assign(details, { n_pred: parsed.value.length, best_iou: best.slice(0, DETAIL_LIMIT).map(r6), pred: preds.slice(0, DETAIL_LIMIT).map(show) });
        return { score: Math.min(1, Math.max(0, mean)), details };
      }
      const gt = gtSingleBox3D(input?.sample);
      if (!gt) return { score: null, reason: 'sample has no single ground-truth 3D box (answer.box3d)' };
      const details: Record<string, unknown> = { variant: 'standard', answer_from: ans.from, gt: show(gt) };
      const parsed = parseBoxes3D(ans.text);
      if (!parsed.ok || parsed.value.length === 0) return { score: 0, reason: `no 3D box in the ${ans.from}${parsed.ok ? '' : `: ${parsed.reason}`}`, details };
      const p = params.pick === 'last' ? parsed.value[parsed.value.length - 1]! : parsed.value[0]!;
      const v = iou3d(p, gt);
      Object.assign(details, { pred: show(p), via: p.via, iou3d: r6(v) });
      return { score: v, details };
    },
  }),
);
