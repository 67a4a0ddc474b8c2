/**
 * Multi-object matching of predicted boxes to ground truth, pure functions over boxes already in
 * the same units: glimpse's Hungarian matching with F1/precision/recall, and the two published
 * greedy schemes (VLM-R1 `detection_score`, Visual-RFT `sort_and_calculate_iou` with its IoU and
 * confidence rewards). Used by geometry.detection and usable by evaluation metrics.
 */
import type { BBox } from '../../data/schema.js';
import { hungarian } from './math/hungarian.js';
import { iou, iouVlmR1 } from './math/box2d.js';

export interface DetBox {
  bbox: BBox;
  label?: string | undefined;
  confidence?: number | undefined;
}

/** One matched pair: indices into the prediction and ground-truth lists, and the IoU it counts. */
export interface Match {
  pred: number;
  gt: number;
  iou: number;
}

export interface HungarianResult {
  matches: Match[];
  tp: number;
  precision: number;
  recall: number;
  f1: number;
  /** 2·ΣIoU(matched) / (P + G): F1 where each true positive counts its IoU. */
  soft_f1: number;
  /** ΣIoU(matched) / G. */
  mean_iou: number;
}

function normLabel(l: string | undefined): string | undefined {
  return typeof l === 'string' ? l.trim().toLowerCase() : undefined;
}

/**
 * glimpse's default detection matching. Pair weight `w = IoU(p, g)` when IoU ≥ τ (and > 0) and, with
 * `matchLabels`, the labels agree (case- and space-insensitive) or one is missing; else 0. The
 * Hungarian algorithm picks the one-to-one assignment maximising Σw; pairs with w > 0 are true
 * positives. `nPred` may exceed `preds.length` (predictions dropped by a cap still count as false
 * positives). Both empty: every metric is 1; exactly one side empty: every metric is 0.
 */
export function hungarianMatch(preds: DetBox[], gts: DetBox[], threshold: number, matchLabels: boolean, nPred = preds.length): HungarianResult {
  const P = Math.max(nPred, preds.length);
  const G = gts.length;
  if (P === 0 && G === 0) return { matches: [], tp: 0, precision: 1, recall: 1, f1: 1, soft_f1: 1, mean_iou: 1 };
  if (P === 0 || G === 0) return { matches: [], tp: 0, precision: 0, recall: 0, f1: 0, soft_f1: 0, mean_iou: 0 };
  const w: number[][] = [];
  const cost: number[][] = [];
  for (let i = 0; i < preds.length; i++) {
    const p = preds[i]!;
    const pl = matchLabels ? normLabel(p.label) : undefined;
    const row: number[] = new Array<number>(G);
    const crow: number[] = new Array<number>(G);
    for (let j = 0; j < G; j++) {
      const g = gts[j]!;
      let v = iou(p.bbox, g.bbox);
      if (pl !== undefined) {
        const gl = normLabel(g.label);
        if (gl !== undefined && gl !== pl) v = 0;
      }
      if (!(v >= threshold && v > 0)) v = 0;
      row[j] = v;
      crow[j] = -v;
    }
    w.push(row);
    cost.push(crow);
  }
  const matches: Match[] = [];
  let sum = 0;
  for (const [i, j] of hungarian(cost)) {
    const v = w[i]![j]!;
    if (v > 0) {
      matches.push({ pred: i, gt: j, iou: v });
      sum += v;
    }
  }
  const tp = matches.length;
  return {
    matches,
    tp,
    precision: tp / P,
    recall: tp / G,
    f1: (2 * tp) / (P + G),
    soft_f1: Math.min(1, (2 * sum) / (P + G)),
    mean_iou: Math.min(1, sum / G),
  };
}

export interface VlmR1DetectionResult {
  score: number;
  matches: Array<Match & { label_correct: boolean }>;
  position_score: number;
  label_score: number;
  completeness_score: number;
  miss_rate: number;
  false_alarm_rate: number;
}

/**
 * VLM-R1 `detection_score` (open-r1-multimodal/src/open_r1/grpo_jsonl.py): repeatedly take the
 * unmatched (pred, gt) pair of highest VLM-R1 IoU (first in pred-then-gt order on ties), stop when
 * it is below `threshold`; a label mismatch (lower-cased; a missing label counts as "") keeps the
 * match but counts IoU 0.
 *   position = ΣIoU / n_gt, label = n_label_correct / n_gt,
 *   completeness = 1 − (miss_rate + false_alarm_rate) / 2,
 *   score = (α·position + β·label + γ·completeness) / (α + β + γ).
 * Empty ground truth: 1 if nothing was predicted, else 0; no prediction: 0.
 */
export function vlmR1DetectionScore(preds: DetBox[], gts: DetBox[], threshold = 0.5, alpha = 0.7, beta = 0, gamma = 0.3): VlmR1DetectionResult {
  const empty = { matches: [], position_score: 0, label_score: 0, completeness_score: 0, miss_rate: 0, false_alarm_rate: 0 };
  if (gts.length === 0) return { ...empty, score: preds.length === 0 ? 1 : 0 };
  if (preds.length === 0) return { ...empty, score: 0, miss_rate: 1 };
  const P = preds.length, G = gts.length;
  const m = new Float64Array(P * G);
  for (let i = 0; i < P; i++) for (let j = 0; j < G; j++) m[i * G + j] = iouVlmR1(preds[i]!.bbox, gts[j]!.bbox);
  const unmatchedPreds: number[] = Array.from({ length: P }, (_, i) => i);
  const unmatchedGts: number[] = Array.from({ length: G }, (_, j) => j);
  const matches: Array<Match & { label_correct: boolean }> = [];
  while (unmatchedPreds.length > 0 && unmatchedGts.length > 0) {
    let max = -1, bi = -1, bj = -1;
    for (const i of unmatchedPreds) {
      for (const j of unmatchedGts) {
        const v = m[i * G + j]!;
        if (v > max) { max = v; bi = i; bj = j; }
      }
    }
    if (max < threshold) break;
    const labelCorrect = (preds[bi]!.label ?? '').toLowerCase() === (gts[bj]!.label ?? '').toLowerCase();
    matches.push({ pred: bi, gt: bj, iou: labelCorrect ? max : 0, label_correct: labelCorrect });
    unmatchedPreds.splice(unmatchedPreds.indexOf(bi), 1);
    unmatchedGts.splice(unmatchedGts.indexOf(bj), 1);
  }
  let iouSum = 0, correct = 0;
  for (const x of matches) { iouSum += x.iou; if (x.label_correct) correct++; }
  const position = matches.length ? iouSum / G : 0;
  const label = matches.length ? correct / G : 0;
  const missRate = unmatchedGts.length / G;
  const falseAlarmRate = unmatchedPreds.length / P;
  const completeness = 1 - (missRate + falseAlarmRate) / 2;
  const score = (alpha * position + beta * label + gamma * completeness) / (alpha + beta + gamma);
  return {
    score: Math.min(1, Math.max(0, score)),
    matches,
    position_score: position,
    label_score: label,
    completeness_score: completeness,
    miss_rate: missRate,
    false_alarm_rate: falseAlarmRate,
  };
}

export interface VisualRftResult {
  /** Σ matched IoU / max(n_gt, n_pred), clipped to ≤ 1 (`compute_reward_iou_v2`). */
  iou_reward: number;
  /** mean over predictions of (c if matched else 1 − c), clipped to [0, 1] (`compute_reward_confidence`). */
  confidence_reward: number;
  /** Per prediction, in confidence order: the original prediction index, the IoU counted (0 if unmatched), its confidence. */
  results: Array<{ pred: number; gt: number; iou: number; confidence: number }>;
  /** Indices of predictions kept after de-duplication. */
  kept: number;
}

/**
 * Visual-RFT detection rewards (src/virft/src/open_r1/grpo.py): drop predictions whose box repeats
 * an earlier one exactly, stable-sort by confidence (descending), then for each prediction take the
 * unmatched ground truth of highest IoU (strictly above 0, first on ties); it counts when that IoU
 * is > `threshold`. `confidence` must be present on every prediction (the reference fails, scoring
 * 0, otherwise; the caller checks). IoU is the standard continuous IoU (`calculate_iou`).
 * `dedupKeys` are the boxes to compare for duplicates (the model's own numbers).
 */
export function visualRftRewards(preds: DetBox[], gts: DetBox[], threshold = 0.5, dedupKeys: ReadonlyArray<ArrayLike<number>> = preds.map((p) => p.bbox)): VisualRftResult {
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let i = 0; i < preds.length; i++) {
    const k = Array.from(dedupKeys[i] ?? preds[i]!.bbox).join(',');
    if (seen.has(k)) continue;
    seen.add(k);
    kept.push(i);
  }
  const order = kept.slice().sort((a, b) => (preds[b]!.confidence ?? 0) - (preds[a]!.confidence ?? 0));
  const matched = new Uint8Array(gts.length);
  const results: VisualRftResult['results'] = [];
  for (const i of order) {
    const p = preds[i]!;
    let best = 0, bj = -1;
    for (let j = 0; j < gts.length; j++) {
      if (matched[j]) continue;
      const v = iou(gts[j]!.bbox, p.bbox); // calculate_iou(bbox1 = ground truth, bbox2 = prediction)
      if (v > best) { best = v; bj = j; }
    }
    const c = p.confidence ?? 0;
    if (best > threshold) {
      results.push({ pred: i, gt: bj, iou: best, confidence: c });
      matched[bj] = 1;
    } else {
      results.push({ pred: i, gt: -1, iou: 0, confidence: c });
    }
  }
  const n = results.length;
  if (n === 0) return { iou_reward: 0, confidence_reward: 0, results, kept: 0 };
  let iouSum = 0, confSum = 0;
  for (const r of results) {
    iouSum += r.iou;
    confSum += r.iou === 0 ? (1 - r.iou) * (1 - r.confidence) : r.confidence;
  }
  const iouReward = iouSum / (gts.length >= n ? gts.length : n);
  const confReward = confSum / n;
  return {
    iou_reward: iouReward > 1 ? 1 : iouReward,
    confidence_reward: confReward > 1 ? 1 : confReward < 0 ? 0 : confReward,
    results,
    kept: kept.length,
  };
}
