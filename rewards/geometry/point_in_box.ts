/**
 * geometry.point_in_box — 1 when the predicted point (converted to original pixels) lies inside
 * the ground-truth box (`answer.bbox`, or any of `answer.boxes`), borders included; else 0.
 * The pointing criterion of Molmo-style point answers and Affordance-R1's "point inside its box".
 */
import { z } from 'zod';
import type { BBox } from '../../data/schema.js';
import { parsePoints } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerText, coordsParam, gtBoxList, guarded, rbox, resolveCoords, sourceParam, toOriginalPoint } from './common.js';
import { pointInBox } from './math.js';

export const PointInBoxParams = z
  .object({
    coords: coordsParam,
    source: sourceParam,
    pick: z.enum(['first', 'last']).default('first').describe('which predicted point to score when the answer holds several'),
  })
  .strict();
export type PointInBoxParams = z.infer<typeof PointInBoxParams>;

export const pointInBoxReward = registerReward<PointInBoxParams>(
  guarded({
    name: 'geometry.point_in_box',
    description: '1 when the predicted point lies inside answer.bbox (or any of answer.boxes), in original pixels; else 0',
    paper: 'pointing accuracy (Molmo, Deitke et al. 2024); Affordance-R1 point-in-box term',
    range: [0, 1],
    needs: ['bbox', 'boxes'],
    examples: [
      { completion: '<answer>{"point_2d": [50, 60]}</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 1 },
      { completion: '<answer>(5, 5)</answer>', answer: { bbox: [10, 20, 110, 220] }, score: 0 },
      { completion: '<answer>[350, 350]</answer>', answer: { boxes: [{ bbox: [10, 20, 110, 220] }, { bbox: [300, 300, 400, 420] }] }, score: 1, note: 'inside the second box' },
    ],
    params: PointInBoxParams as z.ZodType<PointInBoxParams>,
    score(input, params) {
      const gts = gtBoxList(input?.sample);
      if (!gts || gts.length === 0) return { score: null, reason: 'sample has no ground-truth box (answer.bbox or answer.boxes)' };
      const resolved = resolveCoords(input, params.coords);
      if ('error' in resolved) return { score: null, reason: resolved.error };
      const ans = answerText(input?.completion, params.source);
      const details: Record<string, unknown> = { coords: resolved.info, answer_from: ans.from, gt: gts.slice(0, 50).map((g) => rbox(g.bbox)) };
      const pts = parsePoints(ans.text);
      if (!pts.ok || pts.value.length === 0) return { score: 0, reason: `no point in the ${ans.from}${pts.ok ? '' : `: ${pts.reason}`}`, details };
      const chosen = params.pick === 'last' ? pts.value[pts.value.length - 1]! : pts.value[0]!;
      const p = toOriginalPoint(resolved.map, chosen.point);
      details.point_model = rbox(chosen.point);
      details.point_original = rbox(p);
      details.via = chosen.via;
      const hit = gts.findIndex((g) => pointInBox(p, g.bbox as BBox));
      details.inside = hit >= 0 ? hit : null;
      return hit >= 0 ? { score: 1, details } : { score: 0, reason: 'point outside every ground-truth box', details };
    },
  }),
);
