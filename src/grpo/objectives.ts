/**
 * GRPO-family objectives built with the graph builder, so autodiff yields their gradients inside
 * the policy's training graph. Formulas (cleanrl names; see reference.ts for the same in plain
 * TypeScript, against which these are tested):
 *
 *   ratio   = exp(logp − old_logp)              token level (PPO, GRPO, DAPO)
 *           = exp(Σ_t m·(logp − old_logp) / Σ_t m) per sequence, broadcast to its tokens (GSPO)
 *   pgLoss1 = −A·ratio,  pgLoss2 = −A·clip(ratio, 1 − ε_low, 1 + ε_high)
 *   pgLoss  = max(pgLoss1, pgLoss2);  dual clip (A < 0): min(pgLoss, −A·c)
 *   KL      = k1 | k2 | k3 of r = ref_logp − logp  (k3 = e^r − r − 1)
 *   loss    = Σ_{b,t} w_{b,t} · (pgLoss + β·KL − c_H·H)
 *
 * The aggregation (token-mean, seq-mean-token-mean, Dr. GRPO's seq-mean-token-sum-norm) lives in
 * the per-token weights `w` (input `token_weight`, zero off the completion), computed on the host
 * over the WHOLE batch ({@link aggregationWeights}), so micro-batches sum to the full-batch loss.
 *
 * Inputs the objective adds: `advantages [batch]`, `old_logp [batch, seq]`, `token_weight
 * [batch, seq]`, and `ref_logp [batch, seq]` when β > 0.
 */
import type { GraphBuilder } from '../policy/graph/builder.js';
import type { Tensor } from '../policy/graph/tensor.js';
import type { Objective, ObjectiveTensors } from '../policy/model/graphs.js';
import type { KlEstimator, LossAgg } from './reference.js';

export interface GrpoObjectiveParams {
  clipLow: number;
  clipHigh: number;
  dualClip?: number | null;
  ratioLevel: 'token' | 'sequence';
  klCoef: number;
  klEstimator: KlEstimator;
  entropyCoef?: number;
}

/** The KL estimator as graph ops, on r = ref − logp. */
export function klGraph(g: GraphBuilder, r: Tensor, est: KlEstimator): Tensor {
  if (est === 'k1') return g.neg(r);
  if (est === 'k2') return g.mul(g.mul(r, r), g.scalar(0.5, r.dtype));
  return g.sub(g.sub(g.exp(r), r), g.scalar(1, r.dtype));
}

/** The clipped-surrogate objective (GRPO / DAPO / GSPO / Dr. GRPO variants). */
export function grpoObjective(p: GrpoObjectiveParams): Objective {
  const key = `grpo:${p.clipLow}:${p.clipHigh}:${p.dualClip ?? '-'}:${p.ratioLevel}:${p.klCoef}:${p.klEstimator}:${p.entropyCoef ?? 0}`;
  return {
    key,
    build(g: GraphBuilder, t: ObjectiveTensors) {
      const dt = t.logp.dtype;
      const adv = g.unsqueeze(g.input('advantages', dt, ['batch']), [1]); // [B, 1]
      const old = g.input('old_logp', dt, ['batch', 'seq']);
      const w = g.input('token_weight', dt, ['batch', 'seq']);
      const diff = g.sub(t.logp, old);
      let ratio: Tensor;
      if (p.ratioLevel === 'sequence') {
        const len = g.max(g.reduceSum(t.mask, [1], true), g.scalar(1, dt));
        ratio = g.exp(g.div(g.reduceSum(g.mul(diff, t.mask), [1], true), len)); // [B, 1]
      } else ratio = g.exp(diff);
      const negA = g.neg(adv);
      const pg1 = g.mul(negA, ratio);
      const pg2 = g.mul(negA, g.clip(ratio, 1 - p.clipLow, 1 + p.clipHigh));
      let pg = g.max(pg1, pg2);
      if (p.dualClip) {
        const pg3 = g.mul(negA, g.scalar(p.dualClip, dt));
        pg = g.where(g.less(adv, g.scalar(0, dt)), g.min(pg, pg3), pg);
      }
      let per = pg;
      if (p.klCoef > 0) {
        const ref = g.input('ref_logp', dt, ['batch', 'seq']);
        per = g.add(per, g.mul(klGraph(g, g.sub(ref, t.logp), p.klEstimator), g.scalar(p.klCoef, dt)));
      }
      if (p.entropyCoef) per = g.sub(per, g.mul(t.entropy, g.scalar(p.entropyCoef, dt)));
      return { loss: g.reduceSum(g.mul(per, w), undefined, false) };
    },
  };
}

/** SFT: masked negative log-likelihood, weighted by `token_weight` (default aggregation: token-mean). */
export function sftObjective(): Objective {
  return {
    key: 'sft',
    build(g, t) {
      const w = g.input('token_weight', t.logp.dtype, ['batch', 'seq']);
      return { loss: g.neg(g.reduceSum(g.mul(t.logp, w), undefined, false)) };
    },
  };
}

/**
 * Per-token weights of an aggregation over a whole batch of completions with `lengths` tokens:
 * token-mean 1/Σ len; seq-mean-token-mean 1/(N·len_i); seq-mean-token-sum-norm 1/(N·maxTokens).
 */
export function aggregationWeights(lengths: readonly number[], agg: LossAgg, maxTokens?: number): Float32Array[] {
  const N = lengths.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  const T = maxTokens ?? Math.max(1, ...lengths);
  return lengths.map((len) => {
    const v = agg === 'token-mean' ? 1 / Math.max(total, 1) : agg === 'seq-mean-token-mean' ? 1 / (N * Math.max(len, 1)) : 1 / (N * T);
    return new Float32Array(len).fill(v);
  });
}
