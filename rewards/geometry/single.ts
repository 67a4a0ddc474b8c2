/**
 * The single-box path shared by geometry.iou, geometry.giou and geometry.box_acc: find the
 * predicted box (glimpse's parser, or VLM-R1's exact integer pattern), convert it to original
 * units, and compare it with the one ground-truth box.
 */
import type { BBox } from '../../data/schema.js';
import type { CoordinateMap } from '../../modalities/coords.js';
import { parseBoxes } from '../parse/index.js';
import type { RewardInput } from '../types.js';
import { answerText, gtSingleBox, rbox, resolveCoords, toOriginalBox, type ResolvedCoords, type Source } from './common.js';
import type { CoordSpace } from '../../modalities/coords.js';

export interface SingleBoxParams {
  variant: 'standard' | 'vlm-r1';
  coords?: CoordSpace | undefined;
  source: Source;
  pick: 'first' | 'last';
}

/** Outcome of the single-box path: either a pair of boxes to compare, or a final result. */
export type SingleBoxPair =
  | { kind: 'pair'; pred: BBox; gt: BBox; details: Record<string, unknown> }
  | { kind: 'null'; reason: string }
  | { kind: 'miss'; reason: string; details: Record<string, unknown> };

/** VLM-R1's box pattern (`\[(\d+),\s*(\d+),\s*(\d+),\s*(\d+)]`); Python's `\d` and `\s` are Unicode-aware, so these are too. */
const VLM_R1_BOX = /\[(\p{Nd}+),\s*(\p{Nd}+),\s*(\p{Nd}+),\s*(\p{Nd}+)\]/u;
const ASCII_DIGITS = /^[0-9]+$/;
const ND = /\p{Nd}/u;

/** Python's `int()` of a run of Unicode decimal digits (ASCII fast path); NaN past Python's 4300-digit limit. */
export function pyInt(digits: string): number {
  if (digits.length > 4300) return NaN;
  if (ASCII_DIGITS.test(digits)) return Number(digits);
  let v = 0;
  for (const ch of digits) {
    const cp = ch.codePointAt(0)!;
    // Unicode encodes each decimal digit set as a contiguous run 0..9: find the run's start.
    let start = cp;
    while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
    v = v * 10 + ((cp - start) % 10);
  }
  return v;
}

/** Ground truth, coordinates and the predicted box, ready for an IoU-like comparison. */
export function singleBoxPair(input: RewardInput, params: SingleBoxParams): SingleBoxPair {
  const gt = gtSingleBox(input?.sample);
  if (!gt) return { kind: 'null', reason: 'sample has no single ground-truth box (answer.bbox)' };
  const resolved = resolveCoords(input, params.coords);
  if ('error' in resolved) return { kind: 'null', reason: resolved.error };
  return params.variant === 'vlm-r1' ? vlmR1Pair(input, gt, resolved) : standardPair(input, params, gt, resolved);
}

function standardPair(input: RewardInput, params: SingleBoxParams, gt: BBox, resolved: ResolvedCoords): SingleBoxPair {
  const ans = answerText(input?.completion, params.source);
  const details: Record<string, unknown> = { variant: 'standard', coords: resolved.info, answer_from: ans.from, gt: rbox(gt) };
  const boxes = parseBoxes(ans.text);
  if (!boxes.ok || boxes.value.length === 0) {
    return { kind: 'miss', reason: `no box in the ${ans.from}: ${boxes.ok ? 'none found' : boxes.reason}`, details };
  }
  const chosen = params.pick === 'last' ? boxes.value[boxes.value.length - 1]! : boxes.value[0]!;
  const pred = toOriginalBox(resolved.map, chosen.bbox);
  details.via = chosen.via;
  details.n_boxes = boxes.value.length;
  details.pred_model = rbox(chosen.bbox);
  details.pred_original = rbox(pred);
  return { kind: 'pair', pred, gt, details };
}

/**
 * VLM-R1 `iou_reward` (open-r1-multimodal/src/open_r1/vlm_modules/qwen_module.py): the first
 * `<answer>…</answer>`, the first integer box in it, rescaled `x / input_width * image_width`
 * (the map's input and original sizes), no `source`/`pick` choice.
 */
function vlmR1Pair(input: RewardInput, gt: BBox, resolved: ResolvedCoords): SingleBoxPair {
  const ans = answerText(input?.completion, 'answer', 'first');
  const details: Record<string, unknown> = { variant: 'vlm-r1', coords: resolved.info, answer_from: ans.from, gt: rbox(gt) };
  if (ans.from !== 'answer') return { kind: 'miss', reason: 'no <answer>…</answer> (VLM-R1 reads the box only inside the first answer)', details };
  const m = VLM_R1_BOX.exec(ans.text);
  if (!m) return { kind: 'miss', reason: 'no integer box [x1, y1, x2, y2] in the first <answer> (VLM-R1 pattern)', details };
  const raw: BBox = [pyInt(m[1]!), pyInt(m[2]!), pyInt(m[3]!), pyInt(m[4]!)];
  if (!raw.every(Number.isFinite)) return { kind: 'miss', reason: 'box number too long for Python int() (VLM-R1 scores 0)', details };
  const pred = rescaleLikeVlmR1(resolved.map, raw);
  details.via = 'vlm-r1';
  details.pred_model = rbox(raw);
  details.pred_original = rbox(pred);
  return { kind: 'pair', pred, gt, details };
}

/** `resize_bbox` of VLM-R1 when the map is a plain pixel resize of the whole image; the map otherwise. */
function rescaleLikeVlmR1(map: CoordinateMap | null, b: BBox): BBox {
  if (!map) return [b[0], b[1], b[2], b[3]];
  const [W, H] = map.original;
  const [w, h] = map.input;
  const r = map.region;
  if (map.space === 'pixel' && r[0] === 0 && r[1] === 0 && r[2] === W && r[3] === H) {
    return [(b[0] / w) * W, (b[1] / h) * H, (b[2] / w) * W, (b[3] / h) * H];
  }
  return toOriginalBox(map, b);
}
