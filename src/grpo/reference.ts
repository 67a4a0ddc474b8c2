/**
 * Plain-TypeScript reference of the policy-gradient objectives (the graph-built objectives in
 * objectives.ts must agree with it, value and gradient). Notation follows the papers and cleanrl:
 *
 *   ratio_t   = exp(logp_t − oldLogp_t)                                  (token level, PPO/GRPO)
 *   ratio_i   = exp(mean_t(logp_t − oldLogp_t)) for all t of sequence i  (sequence level, GSPO)
 *   pgLoss1   = −A · ratio
 *   pgLoss2   = −A · clip(ratio, 1 − ε_low, 1 + ε_high)                  (DAPO clip-higher)
 *   pgLoss    = max(pgLoss1, pgLoss2); with dual clip c and A < 0: min(pgLoss, −A·c)
 *   KL (r = refLogp − logp):  k1 = −r,  k2 = r²/2,  k3 = exp(r) − r − 1   (Schulman 2020)
 *   per-token loss = pgLoss + β·KL − entropyCoef·H (H only when token entropies are given)
 *   aggregation:
 *     token-mean               Σ_{i,t} m·ℓ / Σ_{i,t} m                     (DAPO)
 *     seq-mean-token-mean      mean_i ( Σ_t m·ℓ / Σ_t m )                  (GRPO)
 *     seq-mean-token-sum-norm  Σ_{i,t} m·ℓ / (N · T_max)                   (Dr. GRPO; T_max = maxTokens)
 */
export type LossAgg = 'token-mean' | 'seq-mean-token-mean' | 'seq-mean-token-sum-norm';
export type KlEstimator = 'k1' | 'k2' | 'k3';

export interface ObjectiveBatch {
  /** `[N, T]` log-probabilities of the sampled tokens under the current policy. */
  logp: Float64Array;
  /** `[N, T]` under the policy that sampled them. */
  oldLogp: Float64Array;
  /** `[N, T]` under the reference policy (needed when klCoef > 0). */
  refLogp?: Float64Array;
  /** `[N]` per-sequence advantages. */
  advantages: Float64Array;
  /** `[N, T]` 1 for completion tokens, 0 for padding. */
  mask: Float64Array;
  n: number;
  t: number;
}

export interface ObjectiveParams {
  clipLow: number;
  clipHigh: number;
  dualClip?: number | null;
  ratioLevel: 'token' | 'sequence';
  lossAgg: LossAgg;
  klCoef: number;
  klEstimator: KlEstimator;
  /** Dr. GRPO's constant normaliser (max completion length); default T. */
  maxTokens?: number;
}

export interface ObjectiveValue {
  loss: number;
  /** d loss / d logp, `[N, T]`. */
  gradLogp: Float64Array;
  /** share of masked tokens whose ratio was clipped (the gradient through the ratio is zero). */
  clipFrac: number;
  /** mean over masked tokens of (ratio − 1) − log ratio (k3 of old vs new). */
  approxKl: number;
  /** mean KL to the reference over masked tokens (estimator as configured). */
  kl: number;
}

export function klTerm(r: number, est: KlEstimator): { value: number; dValueDr: number } {
  if (est === 'k1') return { value: -r, dValueDr: -1 };
  if (est === 'k2') return { value: 0.5 * r * r, dValueDr: r };
  const e = Math.exp(r);
  return { value: e - r - 1, dValueDr: e - 1 };
}

/** Loss, its gradient w.r.t. logp and the standard metrics, computed directly. */
export function referenceObjective(b: ObjectiveBatch, p: ObjectiveParams): ObjectiveValue {
  const { n, t } = b;
  const perTok = new Float64Array(n * t);
  const dPerTok = new Float64Array(n * t); // d perTok / d logp at the same position (token ratio)
  const gradLogp = new Float64Array(n * t);
  // sequence-level ratio support: d ratio_i / d logp_t = ratio_i / len_i
  const seqRatio = new Float64Array(n);
  const seqLen = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let m = 0;
    for (let j = 0; j < t; j++) {
      const k = i * t + j;
      s += b.mask[k]! * (b.logp[k]! - b.oldLogp[k]!);
      m += b.mask[k]!;
    }
    seqLen[i] = m;
    seqRatio[i] = Math.exp(m > 0 ? s / m : 0);
  }
  let clipped = 0;
  let approxKl = 0;
  let klSum = 0;
  let tokens = 0;
  const dPgDRatio = new Float64Array(n * t);
  for (let i = 0; i < n; i++) {
    const a = b.advantages[i]!;
    for (let j = 0; j < t; j++) {
      const k = i * t + j;
      if (b.mask[k]! === 0) continue;
      tokens++;
      const logRatioTok = b.logp[k]! - b.oldLogp[k]!;
      const ratio = p.ratioLevel === 'token' ? Math.exp(logRatioTok) : seqRatio[i]!;
      const clippedRatio = Math.min(Math.max(ratio, 1 - p.clipLow), 1 + p.clipHigh);
      const pg1 = -a * ratio;
      const pg2 = -a * clippedRatio;
      let pg = Math.max(pg1, pg2);
      let dPg = pg1 >= pg2 ? -a : 0; // d pg / d ratio (clipped branch has zero slope)
      if (pg1 < pg2) clipped++;
      if (p.dualClip && a < 0) {
        const pg3 = -a * p.dualClip;
        if (pg3 < pg) {
          pg = pg3;
          dPg = 0;
        }
      }
      dPgDRatio[k] = dPg;
      approxKl += ratio - 1 - Math.log(ratio);
      let kl = 0;
      let dKl = 0;
      if (p.klCoef > 0 && b.refLogp) {
        const r = b.refLogp[k]! - b.logp[k]!;
        const kt = klTerm(r, p.klEstimator);
        kl = kt.value;
        dKl = -kt.dValueDr; // dr/dlogp = −1
      }
      klSum += kl;
      perTok[k] = pg + p.klCoef * kl;
      dPerTok[k] = p.klCoef * dKl;
    }
  }
  // aggregation weights w_k: loss = Σ w_k perTok_k
  const w = new Float64Array(n * t);
  const T = p.maxTokens ?? t;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      const k = i * t + j;
      if (b.mask[k]! === 0) continue;
      if (p.lossAgg === 'token-mean') w[k] = 1 / Math.max(tokens, 1);
      else if (p.lossAgg === 'seq-mean-token-mean') w[k] = 1 / (n * Math.max(seqLen[i]!, 1));
      else w[k] = 1 / (n * T);
    }
  }
  let loss = 0;
  for (let k = 0; k < n * t; k++) loss += w[k]! * perTok[k]!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      const k = i * t + j;
      if (b.mask[k]! === 0) continue;
      if (p.ratioLevel === 'token') {
        const ratio = Math.exp(b.logp[k]! - b.oldLogp[k]!);
        gradLogp[k] = w[k]! * (dPgDRatio[k]! * ratio + dPerTok[k]!);
      } else {
        // every token of sequence i depends on the shared sequence ratio
        let s = 0;
        for (let jj = 0; jj < t; jj++) s += w[i * t + jj]! * dPgDRatio[i * t + jj]!;
        gradLogp[k] = (s * seqRatio[i]!) / Math.max(seqLen[i]!, 1) + w[k]! * dPerTok[k]!;
      }
    }
  }
  return {
    loss,
    gradLogp,
    clipFrac: tokens ? clipped / tokens : 0,
    approxKl: tokens ? approxKl / tokens : 0,
    kl: tokens ? klSum / tokens : 0,
  };
}
