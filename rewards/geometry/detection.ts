/**
 * geometry.detection — multi-object detection/grounding reward: predicted boxes (any convention,
 * with labels and confidences where given) against `sample.answer.boxes` in original pixels.
 *
 * - `variant: 'hungarian'` (default): one-to-one Hungarian matching maximising ΣIoU over pairs with
 *   IoU ≥ τ and compatible labels; the score is `metric` (soft F1 by default), with
 *   precision/recall/F1 in details.
 * - `variant: 'vlm-r1'`: VLM-R1's `detection_score` (greedy, inclusive-pixel IoU, α/β/γ weights).
 * - `variant: 'visual-rft'`: Visual-RFT's IoU reward or confidence reward (`component`).
 */
import { z } from 'zod';
import type { BBox } from '../../data/schema.js';
import { parseBoxes, type ParsedBox } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { answerText, coordsParam, DETAIL_LIMIT, gtBoxList, guarded, r6, rbox, resolveCoords, sourceParam, toOriginalBox } from './common.js';
import { hungarianMatch, visualRftRewards, vlmR1DetectionScore, type DetBox } from './matching.js';

export const DetectionParams = z
  .object({
    variant: z
      .enum(['hungarian', 'vlm-r1', 'visual-rft'])
      .default('hungarian')
      .describe("'hungarian': optimal one-to-one matching (glimpse); 'vlm-r1': VLM-R1 detection_score; 'visual-rft': Visual-RFT IoU/confidence rewards"),
    iou_threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('τ: a match needs IoU ≥ τ (hungarian, vlm-r1 — whose greedy loop stops below τ) or IoU > τ (visual-rft); 0.5 in all three sources'),
    metric: z
      .enum(['soft_f1', 'f1', 'precision', 'recall', 'mean_iou'])
      .default('soft_f1')
      .describe('hungarian: the score; soft_f1 = 2·ΣIoU(matched)/(P+G), f1 = 2·TP/(P+G), mean_iou = ΣIoU(matched)/G'),
    labels: z.enum(['match', 'ignore']).default('match').describe("hungarian: 'match' forbids pairing boxes whose labels differ (case-insensitive; a missing label matches anything)"),
    alpha: z.number().min(0).default(0.7).describe('vlm-r1: weight of the position score (mean matched IoU over ground truth); VLM-R1 default 0.7'),
    beta: z.number().min(0).default(0).describe('vlm-r1: weight of the label score; VLM-R1 default 0.0'),
    gamma: z.number().min(0).default(0.3).describe('vlm-r1: weight of completeness 1 − (miss rate + false-alarm rate)/2; VLM-R1 default 0.3'),
    component: z.enum(['iou', 'confidence']).default('iou').describe("visual-rft: which reward to return ('iou' = accuracy_reward_iou, 'confidence' = accuracy_reward_confidence); both are in details"),
    max_boxes: z.number().int().min(1).max(10000).default(100).describe('predictions beyond this many are not matched (they still count as false positives in hungarian)'),
    coords: coordsParam,
    source: sourceParam,
  })
  .strict()
  .refine((p) => p.alpha + p.beta + p.gamma > 0, { message: 'alpha + beta + gamma must be > 0', path: ['alpha'] });
export type DetectionParams = z.infer<typeof DetectionParams>;

export const detectionReward = registerReward<DetectionParams>(
  guarded({
    name: 'geometry.detection',
    description: 'multi-object box matching against answer.boxes (original pixels): Hungarian F1-style scores, or the VLM-R1 / Visual-RFT greedy rewards',
    paper: 'Hungarian: Kuhn 1955 / DETR-style matching; vlm-r1: VLM-R1 (arXiv:2504.07615) detection_score; visual-rft: Visual-RFT (Liu et al. 2025, arXiv:2503.01785)',
    range: [0, 1],
    needs: ['boxes', 'bbox'],
    examples: [
      {
        completion: '<answer>[{"bbox_2d": [10, 20, 110, 220], "label": "cat"}, {"bbox_2d": [300, 300, 400, 420], "label": "dog"}]</answer>',
        answer: { boxes: [{ bbox: [10, 20, 110, 220], label: 'cat' }, { bbox: [300, 300, 400, 420], label: 'dog' }] },
        score: 1,
      },
      {
        completion: '<answer>[{"bbox_2d": [10, 20, 110, 220], "label": "cat"}]</answer>',
        answer: { boxes: [{ bbox: [10, 20, 110, 220], label: 'cat' }, { bbox: [300, 300, 400, 420], label: 'dog' }] },
        score: 2 / 3,
        note: 'soft F1 = 2·1 / (1 + 2)',
      },
      {
        completion: '<answer>[{"bbox_2d": [10, 20, 110, 220], "label": "dog"}]</answer>',
        answer: { boxes: [{ bbox: [10, 20, 110, 220], label: 'cat' }] },
        score: 0,
        note: 'label mismatch forbids the match',
      },
      {
        completion: '<answer>[{"bbox_2d": [10, 20, 110, 220], "label": "cat"}]</answer>',
        answer: { boxes: [{ bbox: [10, 20, 110, 220], label: 'cat' }, { bbox: [300, 300, 400, 420], label: 'dog' }] },
        params: { variant: 'vlm-r1' },
        score: 0.575,
        note: '0.7·(1/2) + 0.3·(1 − (1/2 + 0)/2)',
      },
      {
        completion: "<answer>[{'Position': [10, 20, 110, 220], 'Confidence': 0.9}, {'Position': [500, 500, 600, 600], 'Confidence': 0.2}]</answer>",
        answer: { boxes: [{ bbox: [10, 20, 110, 220] }, { bbox: [300, 300, 400, 420] }] },
        params: { variant: 'visual-rft' },
        score: 0.5,
        note: 'IoU reward: 1 / max(2, 2)',
      },
      {
        completion: "<answer>[{'Position': [10, 20, 110, 220], 'Confidence': 0.9}, {'Position': [500, 500, 600, 600], 'Confidence': 0.2}]</answer>",
        answer: { boxes: [{ bbox: [10, 20, 110, 220] }, { bbox: [300, 300, 400, 420] }] },
        params: { variant: 'visual-rft', component: 'confidence' },
        score: 0.85,
        note: 'confidence reward: (0.9 + (1 − 0.2)) / 2',
      },
      { completion: '<answer>[]</answer>', answer: { boxes: [] }, score: 1, note: 'nothing to find, nothing found' },
    ],
    params: DetectionParams as unknown as z.ZodType<DetectionParams>,
    score(input, params) {
      const gtList = gtBoxList(input?.sample);
      if (!gtList) return { score: null, reason: 'sample has no ground-truth boxes (answer.boxes or answer.bbox)' };
      const resolved = resolveCoords(input, params.coords);
      if ('error' in resolved) return { score: null, reason: resolved.error };
      // VLM-R1 reads the last <answer> (clean_text), Visual-RFT the first.
      const ans = answerText(input?.completion, params.source, params.variant === 'visual-rft' ? 'first' : 'last');
      const parsed = parseBoxes(ans.text);
      const all: ParsedBox[] = parsed.ok ? parsed.value : [];
      const used = all.slice(0, params.max_boxes);
      const preds: DetBox[] = used.map((b) => ({ bbox: toOriginalBox(resolved.map, b.bbox), label: b.label, confidence: b.confidence }));
      const gts: DetBox[] = gtList;
      const details: Record<string, unknown> = {
        variant: params.variant,
        coords: resolved.info,
        answer_from: ans.from,
        n_pred: all.length,
        n_gt: gts.length,
        ...(all.length > used.length ? { truncated_to: used.length } : {}),
        pred_model: used.slice(0, DETAIL_LIMIT).map((b) => rbox(b.bbox)),
        pred_original: preds.slice(0, DETAIL_LIMIT).map((b) => rbox(b.bbox)),
        gt: gts.slice(0, DETAIL_LIMIT).map((b) => rbox(b.bbox)),
      };
      const noPred = all.length === 0 ? `no box in the ${ans.from}${parsed.ok ? '' : `: ${parsed.reason}`}` : undefined;

      if (params.variant === 'vlm-r1') {
        const r = vlmR1DetectionScore(preds, gts, params.iou_threshold, params.alpha, params.beta, params.gamma);
        Object.assign(details, {
          matches: r.matches.slice(0, DETAIL_LIMIT).map((m) => ({ ...m, iou: r6(m.iou) })),
          position_score: r6(r.position_score),
          label_score: r6(r.label_score),
          completeness_score: r6(r.completeness_score),
          miss_rate: r6(r.miss_rate),
          false_alarm_rate: r6(r.false_alarm_rate),
          ...prf(r.matches.filter((m) => m.label_correct).length, preds.length, gts.length),
        });
        return withReason(r.score, noPred, details);
      }

      if (params.variant === 'visual-rft') {
        if (used.length === 0) return { score: 0, reason: noPred ?? 'no prediction', details };
        const missing = used.findIndex((b) => b.confidence === undefined);
        if (missing >= 0) {
          return { score: 0, reason: `box ${missing + 1} has no Confidence (Visual-RFT scores 0 then)`, details };
        }
        const r = visualRftRewards(preds, gts, params.iou_threshold, used.map((b) => b.bbox as BBox));
        Object.assign(details, {
          iou_reward: r6(r.iou_reward),
          confidence_reward: r6(r.confidence_reward),
          kept_after_dedup: r.kept,
          results: r.results.slice(0, DETAIL_LIMIT).map((x) => ({ ...x, iou: r6(x.iou) })),
          ...prf(r.results.filter((x) => x.iou > 0).length, r.kept, gts.length),
        });
        return withReason(params.component === 'iou' ? r.iou_reward : r.confidence_reward, undefined, details);
      }

      const r = hungarianMatch(preds, gts, params.iou_threshold, params.labels === 'match', all.length);
      Object.assign(details, {
        matches: r.matches.slice(0, DETAIL_LIMIT).map((m) => ({ ...m, iou: r6(m.iou) })),
        tp: r.tp,
        precision: r6(r.precision),
        recall: r6(r.recall),
        f1: r6(r.f1),
        soft_f1: r6(r.soft_f1),
        mean_iou: r6(r.mean_iou),
      });
      return withReason(r[params.metric], noPred, details);
    },
  }),
);

/** Precision, recall and F1 of a greedy variant's matches (true positives = counted matches). */
function prf(tp: number, p: number, g: number) {
  if (p === 0 && g === 0) return { tp, precision: 1, recall: 1, f1: 1 };
  return { tp, precision: p ? r6(tp / p) : 0, recall: g ? r6(tp / g) : 0, f1: r6((2 * tp) / (p + g)) };
}

function withReason(score: number, reason: string | undefined, details: Record<string, unknown>) {
  const s = Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
  return reason ? { score: s, reason, details } : { score: s, details };
}
