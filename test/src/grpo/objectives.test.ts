import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/policy/graph/builder.js';
import { grad } from '../../../src/policy/graph/autodiff.js';
import { aggregationWeights, grpoObjective, sftObjective } from '../../../src/grpo/objectives.js';
import { referenceObjective, type ObjectiveParams } from '../../../src/grpo/reference.js';
import { Rng } from '../../../src/util/rng.js';

const N = 3;
const T = 6;

function data(seed: number) {
  const r = new Rng(seed);
  const lengths = [6, 4, 5];
  const mask = new Float64Array(N * T);
  lengths.forEach((l, i) => { for (let j = 0; j < l; j++) mask[i * T + j] = 1; });
  const logp = Float64Array.from({ length: N * T }, () => -r.uniform(0.1, 3));
  const oldLogp = logp.map((v) => v + r.uniform(-0.4, 0.4));
  const refLogp = logp.map((v) => v + r.uniform(-0.3, 0.3));
  const advantages = Float64Array.from({ length: N }, () => r.uniform(-1.5, 1.5));
  return { lengths, mask, logp, oldLogp, refLogp, advantages };
}

async function runGraph(p: ObjectiveParams, d: ReturnType<typeof data>) {
  const g = new GraphBuilder();
  const logp = g.input('logp', 'float64', ['batch', 'seq']);
  const mask = g.input('mask', 'float64', ['batch', 'seq']);
  const entropy = g.input('entropy', 'float64', ['batch', 'seq']);
  const obj = grpoObjective({ clipLow: p.clipLow, clipHigh: p.clipHigh, dualClip: p.dualClip ?? null, ratioLevel: p.ratioLevel, klCoef: p.klCoef, klEstimator: p.klEstimator });
  const { loss } = obj.build(g, { logp, mask, entropy });
  g.output('loss', loss);
  g.output('dlogp', grad(g, loss, [logp])[0]!);
  const s = await ort.InferenceSession.create(g.toBytes());
  const w = new Float64Array(N * T);
  aggregationWeights(d.lengths, p.lossAgg, p.maxTokens).forEach((row, i) => row.forEach((v, j) => (w[i * T + j] = v)));
  const t2 = (a: Float64Array) => new ort.Tensor('float64', a, [N, T]);
  const feeds: Record<string, ort.Tensor> = {
    logp: t2(d.logp), mask: t2(d.mask), entropy: t2(new Float64Array(N * T)), old_logp: t2(d.oldLogp), token_weight: t2(w),
    advantages: new ort.Tensor('float64', d.advantages, [N]),
  };
  if (p.klCoef > 0) feeds.ref_logp = t2(d.refLogp);
  const out = await s.run(feeds);
  return { loss: (out.loss!.data as Float64Array)[0]!, dlogp: out.dlogp!.data as Float64Array };
}

describe('graph-built GRPO objectives', () => {
  const base: ObjectiveParams = { clipLow: 0.2, clipHigh: 0.28, ratioLevel: 'token', lossAgg: 'token-mean', klCoef: 0, klEstimator: 'k3' };
  const variants: Array<Partial<ObjectiveParams>> = [
    {},
    { lossAgg: 'seq-mean-token-mean' },
    { lossAgg: 'seq-mean-token-sum-norm', maxTokens: 8 },
    { klCoef: 0.05, klEstimator: 'k3' },
    { klCoef: 0.05, klEstimator: 'k1' },
    { klCoef: 0.05, klEstimator: 'k2' },
    { dualClip: 3 },
    { ratioLevel: 'sequence' },
  ];
  for (const v of variants) {
    it(`loss and d loss / d logp match the paper formula (${JSON.stringify(v)})`, async () => {
      const p = { ...base, ...v };
      const d = data(7);
      const ref = referenceObjective({ logp: d.logp, oldLogp: d.oldLogp, refLogp: d.refLogp, advantages: d.advantages, mask: d.mask, n: N, t: T }, p);
      const got = await runGraph(p, d);
      // aggregation weights are float32 (as the training graph takes them): ~1e-8 relative rounding
      expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-7);
      for (let k = 0; k < N * T; k++) expect(Math.abs(got.dlogp[k]! - ref.gradLogp[k]!), `k=${k}`).toBeLessThan(1e-7);
    });
  }

  it('SFT loss is the weighted negative log-likelihood', async () => {
    const g = new GraphBuilder();
    const logp = g.input('logp', 'float64', ['batch', 'seq']);
    const { loss } = sftObjective().build(g, { logp, mask: logp, entropy: logp });
    g.output('loss', loss);
    const s = await ort.InferenceSession.create(g.toBytes());
    const out = await s.run({
      logp: new ort.Tensor('float64', Float64Array.of(-1, -2, -3, -4), [2, 2]),
      token_weight: new ort.Tensor('float64', Float64Array.of(0.25, 0.25, 0.5, 0), [2, 2]),
    });
    expect((out.loss!.data as Float64Array)[0]).toBeCloseTo(0.25 + 0.5 + 1.5, 12);
  });

  it('aggregation weights: micro-batch sums equal the full-batch mean', () => {
    const w = aggregationWeights([4, 2, 0], 'token-mean');
    expect(w.map((r) => r.length)).toEqual([4, 2, 0]);
    expect(w.flatMap((r) => [...r]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const s = aggregationWeights([4, 2], 'seq-mean-token-mean');
    expect(s[0]![0]).toBeCloseTo(1 / 8, 7);
    expect(s[1]![0]).toBeCloseTo(1 / 4, 7);
    expect(aggregationWeights([4, 2], 'seq-mean-token-sum-norm', 10)[1]![0]).toBeCloseTo(1 / 20, 7);
    expect(aggregationWeights([], 'token-mean')).toEqual([]);
  });
});
