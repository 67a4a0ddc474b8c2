/**
 * geometry.tube — spatio-temporal grounding: the predicted tube (boxes per frame or per time)
 * against `sample.answer.tube`, scored by the HC-STVG / VidSTG vIoU (default) or tIoU over frame
 * sets. Boxes are converted to original pixels first.
 */
import { z } from 'zod';
import type { BBox } from '../../data/schema.js';
import { registerReward } from '../registry.js';
import { answerText, coordsParam, guarded, r6, resolveCoords, sourceParam, toOriginalBox } from './common.js';
import { tubeIoU } from './math.js';
import { parseTube } from './tube_parse.js';

export const TubeParams = z
  .object({
    metric: z.enum(['viou', 'tiou']).default('viou').describe('vIoU = Σ_{t∈P∩G} IoU / |P∪G| (HC-STVG), or tIoU = |P∩G| / |P∪G|'),
    time_tolerance: z.number().min(0).max(60).default(0.05).describe('seconds: with a time-keyed ground truth, a predicted time within this of a ground-truth time counts as that time'),
    max_frames: z.number().int().min(1).max(100000).default(10000).describe('predicted frames beyond this many are ignored'),
    coords: coordsParam,
    source: sourceParam,
  })
  .strict();
export type TubeParams = z.infer<typeof TubeParams>;

function isBox(v: unknown): v is BBox {
  return Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number');
}

export const tubeReward = registerReward<TubeParams>(
  guarded({
    name: 'geometry.tube',
    description: 'spatio-temporal tube overlap with answer.tube: vIoU (default) or tIoU over frame sets, boxes in original pixels',
    paper: 'HC-STVG (Tang et al. 2021) and VidSTG (Zhang et al. 2020) m_vIoU / m_tIoU',
    range: [0, 1],
    needs: ['tube'],
    examples: [
      {
        completion: '<answer>{"frames": {"0": [10, 20, 110, 220], "1": [12, 22, 112, 222], "2": [0, 0, 5, 5]}}</answer>',
        answer: { tube: { frames: { '0': [10, 20, 110, 220], '1': [12, 22, 112, 222] } } },
        score: 2 / 3,
        note: 'P∩G = {0, 1}, P∪G = {0, 1, 2}',
      },
      {
        completion: '<answer>[{"time": 0.5, "bbox_2d": [10, 20, 110, 220]}, {"time": 1.02, "bbox_2d": [12, 22, 112, 222]}]</answer>',
        answer: { tube: { times: { '0.5': [10, 20, 110, 220], '1.0': [12, 22, 112, 222] } } },
        score: 1,
        note: 'times snap to the ground truth within 0.05 s',
      },
    ],
    params: TubeParams as z.ZodType<TubeParams>,
    score(input, params) {
      const tube = (input?.sample?.answer as { tube?: { frames?: Record<string, unknown>; times?: Record<string, unknown> } } | undefined)?.tube;
      const gtRec = tube && typeof tube === 'object' ? (tube.frames ?? tube.times) : undefined;
      if (!gtRec || typeof gtRec !== 'object') return { score: null, reason: 'sample has no ground-truth tube (answer.tube.frames or .times)' };
      const gtKind: 'frames' | 'times' = tube!.frames ? 'frames' : 'times';
      const gt = new Map<number, BBox>();
      for (const [k, b] of Object.entries(gtRec)) {
        const t = Number(k);
        if (Number.isFinite(t) && isBox(b)) gt.set(t, b);
      }
      if (gt.size === 0) return { score: null, reason: 'ground-truth tube has no frames' };
      const resolved = resolveCoords(input, params.coords);
      if ('error' in resolved) return { score: null, reason: resolved.error };
      const ans = answerText(input?.completion, params.source);
      const details: Record<string, unknown> = { coords: resolved.info, answer_from: ans.from, gt_kind: gtKind, n_gt: gt.size };
      const parsed = parseTube(ans.text, params.max_frames);
      if ('error' in parsed) return { score: 0, reason: `no tube in the ${ans.from}: ${parsed.error}`, details };
      if (parsed.kind !== 'either' && parsed.kind !== gtKind) {
        details.note = `predicted ${parsed.kind} compared with ground-truth ${gtKind} keys`;
      }
      const gtTimes = gtKind === 'times' ? [...gt.keys()].sort((a, b) => a - b) : [];
      const pred = new Map<number, BBox>();
      for (const [k, b] of parsed.entries) {
        const key = gtKind === 'times' ? snap(k, gtTimes, params.time_tolerance) : k;
        if (pred.has(key)) continue; // first box for a frame wins
        pred.set(key, toOriginalBox(resolved.map, b));
      }
      const r = tubeIoU(pred, gt);
      Object.assign(details, { via: parsed.via, n_pred: pred.size, tiou: r6(r.tIoU), viou: r6(r.vIoU) });
      return { score: params.metric === 'viou' ? r.vIoU : r.tIoU, details };
    },
  }),
);

/** The ground-truth time nearest to `t` when within `tol`, else `t` itself. */
function snap(t: number, sorted: number[], tol: number): number {
  let lo = 0, hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  let best = t, bestD = Infinity;
  for (const i of [lo - 1, lo]) {
    const g = sorted[i];
    if (g === undefined) continue;
    const d = Math.abs(g - t);
    if (d < bestD) { bestD = d; best = g; }
  }
  return bestD <= tol ? best : t;
}
