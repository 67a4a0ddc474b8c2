/**
 * Temporal and spatio-temporal overlap: Charades-STA tIoU of two time spans, and the HC-STVG /
 * VidSTG tube metrics (tIoU and vIoU over frame sets). Pure and total.
 */
import type { Span } from '../../../data/schema.js';
import { iou, type BoxLike } from './box2d.js';

/**
 * Temporal IoU of two spans `[start, end]` in seconds (Charades-STA, Gao et al. 2017):
 * `max(0, min(e) − max(s)) / (max(e) − min(s))`. In [0, 1]. A span is valid when both ends are
 * finite and `end > start`; any invalid span (NaN, ±Infinity, zero length, inverted) gives 0.
 */
export function temporalIoU(a: Readonly<Span> | ArrayLike<number>, b: Readonly<Span> | ArrayLike<number>): number {
  const as = a[0] as number, ae = a[1] as number, bs = b[0] as number, be = b[1] as number;
  const la = ae - as, lb = be - bs;
  if (!(la > 0 && lb > 0 && la < Infinity && lb < Infinity)) return 0;
  const inter = (ae < be ? ae : be) - (as > bs ? as : bs);
  if (!(inter > 0)) return 0;
  const hull = (ae > be ? ae : be) - (as < bs ? as : bs);
  const r = inter / hull;
  return r < 1 ? r : 1;
}

/** Result of {@link tubeIoU}; both in [0, 1]. */
export interface TubeIoU {
  /** |P∩G| / |P∪G| over the frame sets. */
  tIoU: number;
  /** Σ_{t∈P∩G} IoU(b̂_t, b_t) / |P∪G|. */
  vIoU: number;
}

/**
 * Spatio-temporal tube overlap as defined by HC-STVG (Tang et al. 2021) and VidSTG (Zhang et al.
 * 2020). With P the predicted frame set, G the ground-truth frame set and boxes per frame:
 *
 *   tIoU = |P∩G| / |P∪G|,   vIoU = Σ_{t ∈ P∩G} IoU(b̂_t, b_t) / |P∪G|.
 *
 * Keys are frame indices (or any exactly-comparable key, e.g. snapped timestamps). Box IoU is the
 * standard continuous {@link iou} (0 for invalid boxes, which still count as present frames).
 * Both maps empty gives `{ tIoU: 0, vIoU: 0 }`.
 */
export function tubeIoU(pred: ReadonlyMap<number, BoxLike>, gt: ReadonlyMap<number, BoxLike>): TubeIoU {
  let both = 0;
  let sum = 0;
  const small = pred.size <= gt.size ? pred : gt;
  const large = small === pred ? gt : pred;
  for (const [t, bs] of small) {
    const bl = large.get(t);
    if (bl === undefined) continue;
    both++;
    sum += iou(bs, bl);
  }
  const union = pred.size + gt.size - both;
  if (union === 0) return { tIoU: 0, vIoU: 0 };
  const v = sum / union;
  return { tIoU: both / union, vIoU: v < 1 ? v : 1 };
}
