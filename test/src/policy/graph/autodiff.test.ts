import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { grad } from '../../../../src/policy/graph/autodiff.js';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import { gradCheck } from '../../../../src/policy/graph/gradcheck.js';
import { knownGradients } from '../../../../src/policy/graph/registry.js';
import { expectGradOk } from './helpers.js';

async function run(g: GraphBuilder, feeds: Record<string, ort.Tensor>) {
  const s = await ort.InferenceSession.create(g.toBytes());
  return s.run(feeds);
}

describe('grad', () => {
  it('the checker catches a wrong gradient (stopGradient changes d(x·x) from 2x to x)', async () => {
    const r = await gradCheck({ inputs: { a: { dtype: 'float64', shape: [3] } }, build: (g, x) => g.mul(x.a!, g.stopGradient(x.a!)) });
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.worst).toBeGreaterThan(1);
  });

  it('stopGradient blocks the gradient: d/dx [x · sg(x)] = sg(x)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [3]);
    const loss = g.reduceSum(g.mul(x, g.stopGradient(x)), undefined, false);
    g.output('dx', grad(g, loss, [x])[0]!);
    const r = await run(g, { x: new ort.Tensor('float32', new Float32Array([1, -2, 3]), [3]) });
    expect(Array.from(r.dx!.data as Float32Array)).toEqual([1, -2, 3]);
  });

  it('gives zeros for a wrt tensor the loss does not depend on, shaped like it', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 2]);
    const unused = g.initializer('u', new Float32Array([1, 2, 3]), [3]);
    const loss = g.reduceSum(x, undefined, false);
    const [dx, du] = grad(g, loss, [x, unused]);
    g.output('dx', dx!);
    g.output('du', du!);
    const r = await run(g, { x: new ort.Tensor('float32', new Float32Array(6), [3, 2]) });
    expect(Array.from(r.du!.data as Float32Array)).toEqual([0, 0, 0]);
    expect(r.dx!.dims).toEqual([3, 2]);
  });

  it('no gradient flows into integer inputs; asking for one is an error naming the tensor', () => {
    const g = new GraphBuilder();
    const t = g.initializer('table', new Float32Array(8), [4, 2]);
    const ids = g.input('ids', 'int64', [3]);
    const loss = g.reduceSum(g.gather(t, ids), undefined, false);
    expect(() => grad(g, loss, [ids])).toThrow(/cannot differentiate with respect to 'ids' \(int64\)/);
    expect(grad(g, loss, [t])[0]!.shape).toEqual([4, 2]);
  });

  it('requires a one-element loss unless a seed is given', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 2]);
    expect(() => grad(g, g.mul(x, 2), [x])).toThrow(/reduce it to one element or pass a seed/);
  });

  it('vector-Jacobian product with a seed', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [3]);
    const v = g.input('v', 'float32', [3]);
    g.output('dx', grad(g, g.mul(x, x), [x], { seed: v })[0]!);
    const r = await run(g, { x: new ort.Tensor('float32', new Float32Array([1, 2, 3]), [3]), v: new ort.Tensor('float32', new Float32Array([1, 0, -1]), [3]) });
    expect(Array.from(r.dx!.data as Float32Array)).toEqual([2, 0, -6]);
  });

  it('works with symbolic batch dims (one graph, several batch sizes)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 'seq', 4]);
    const w = g.initializer('w', Float32Array.from({ length: 8 }, (_, i) => i / 8), [4, 2]);
    const b = g.initializer('b', new Float32Array([0.5, -0.5]), [2]);
    const y = g.add(g.matmul(x, w), b);
    expect(y.shape).toEqual(['batch', 'seq', 2]);
    const loss = g.reduceMean(g.mul(y, y), undefined, false);
    const [dw, db] = grad(g, loss, [w, b]);
    g.output('dw', dw!);
    g.output('db', db!);
    const s = await ort.InferenceSession.create(g.toBytes());
    for (const [B, T] of [[1, 1], [3, 5]] as const) {
      const r = await s.run({ x: new ort.Tensor('float32', new Float32Array(B * T * 4).fill(1), [B, T, 4]) });
      expect(r.dw!.dims).toEqual([4, 2]);
      expect(r.db!.dims).toEqual([2]);
      // y = [sum(w[:,0]) + .5, sum(w[:,1]) - .5] for every row; d mean(y²)/db = y (per column, /2 columns · 2)
      const y0 = (0 + 2 + 4 + 6) / 8 + 0.5;
      expect((r.db!.data as Float32Array)[0]).toBeCloseTo(y0, 5);
    }
  });

  it('an op without a rule is an error listing the known rules', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    const y = g.node1('Softplus', [x], {}, 'float32', [2]);
    expect(() => grad(g, g.reduceSum(y, undefined, false), [x])).toThrow(/no gradient rule for op 'Softplus' \(known: .*MatMul/);
    expect(knownGradients()).toContain('GatherElements');
  });

  it('gradients w.r.t. an intermediate value', async () => {
    await expectGradOk({
      inputs: { a: { dtype: 'float64', shape: [2, 3] } },
      build: (g, x) => g.tanh(g.mul(g.exp(x.a!), x.a!)),
    });
  });
});
