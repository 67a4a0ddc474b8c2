/**
 * geometry.temporal_iou — Charades-STA temporal IoU of the predicted span (seconds) with
 * `sample.answer.span`: max(0, min(e) − max(s)) / (max(e) − min(s)).
 */
import { z } from 'zod';
import { parseSpan } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerText, guarded, r6, sourceParam } from './common.js';
import { temporalIoU } from './math.js';

export const TemporalIouParams = z.object({ source: sourceParam }).strict();
export type TemporalIouParams = z.infer<typeof TemporalIouParams>;

export const temporalIouReward = registerReward<TemporalIouParams>(
  guarded({
    name: 'geometry.temporal_iou',
    description: 'temporal IoU of the predicted [start, end] (seconds) with answer.span; 0 for an inverted or empty span',
    paper: 'Charades-STA (Gao et al., TALL, ICCV 2017) tIoU; R1@m and mIoU are built on it',
    range: [0, 1],
    needs: ['span'],
    examples: [
      { completion: '<answer>12.5 - 20.1 seconds</answer>', answer: { span: [10, 20] }, score: 7.5 / 10.1 },
      { completion: '<answer>[10, 20]</answer>', answer: { span: [10, 20] }, score: 1 },
      { completion: '<answer>20 - 10 seconds</answer>', answer: { span: [10, 20] }, score: 0, note: 'inverted span' },
    ],
    params: TemporalIouParams as z.ZodType<TemporalIouParams>,
    score(input, params) {
      const gt = (input?.sample?.answer as { span?: unknown } | undefined)?.span;
      if (!Array.isArray(gt) || gt.length !== 2 || !gt.every((x) => typeof x === 'number')) {
        return { score: null, reason: 'sample has no ground-truth span (answer.span)' };
      }
      const ans = answerText(input?.completion, params.source);
      const details: Record<string, unknown> = { answer_from: ans.from, gt: gt.map(r6) };
      const span = parseSpan(ans.text);
      if (!span.ok) return { score: 0, reason: `no time span in the ${ans.from}: ${span.reason}`, details };
      details.pred = span.value.map(r6);
      details.via = span.via;
      const v = temporalIoU(span.value, gt as [number, number]);
      details.tiou = r6(v);
      if (!(span.value[1] > span.value[0])) return { score: 0, reason: 'predicted span is empty or inverted (end ≤ start)', details };
      return { score: v, details };
    },
  }),
);
