import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { grad } from '../../../../src/policy/graph/autodiff.js';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';

/** Gradient rules on symbolic (run-time) shapes: the dynamic paths of Concat, Slice, ReduceMean, Gather. */
const f32 = (v: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(v), dims);
const arr = (t: ort.Tensor | undefined) => Array.from(t!.data as Float32Array);

describe('gradients with symbolic shapes', () => {
  it('Concat along a symbolic axis splits the gradient at run-time offsets', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 2]);
    const y = g.input('y', 'float32', ['m', 2]);
    const c = g.concat([x, y], 0);
    const loss = g.reduceSum(g.mul(c, c), undefined, false);
    const [dx, dy] = grad(g, loss, [x, y]);
    g.output('dx', dx!);
    g.output('dy', dy!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: f32([1, 2], [1, 2]), y: f32([3, 4, 5, 6], [2, 2]) });
    expect(arr(r.dx)).toEqual([2, 4]);
    expect(arr(r.dy)).toEqual([6, 8, 10, 12]);
  });

  it('Slice of a tensor with a symbolic batch pads the gradient with run-time pads', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 4]);
    const sl = g.slice(x, [1], [3], [1]);
    expect(sl.shape).toEqual(['n', 2]);
    const loss = g.reduceSum(g.mul(sl, sl), undefined, false);
    g.output('dx', grad(g, loss, [x])[0]!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: f32([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]) });
    expect(arr(r.dx)).toEqual([0, 4, 6, 0, 0, 12, 14, 0]);
  });

  it('ReduceMean over a symbolic axis divides by the run-time count', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 'k']);
    const loss = g.reduceMean(x, undefined, false);
    g.output('dx', grad(g, loss, [x])[0]!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: f32([1, 2, 3, 4, 5, 6], [2, 3]) });
    for (const v of arr(r.dx)) expect(v).toBeCloseTo(1 / 6, 6);
  });

  it('Gather (embedding) with symbolic batch and sequence', async () => {
    const g = new GraphBuilder();
    const table = g.input('table', 'float32', [3, 2]);
    const ids = g.input('ids', 'int64', ['batch', 'seq']);
    const e = g.gather(table, ids);
    expect(e.shape).toEqual(['batch', 'seq', 2]);
    g.output('dt', grad(g, g.reduceSum(e, undefined, false), [table])[0]!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ table: f32([0, 0, 0, 0, 0, 0], [3, 2]), ids: new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 2n]), [1, 3]) });
    expect(arr(r.dt)).toEqual([1, 1, 0, 0, 2, 2]);
  });

  it('an ambiguous broadcast of two different symbols is refused with a hint', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 3]);
    const y = g.input('y', 'float32', ['m', 3]);
    const loss = g.reduceSum(g.add(x, y), undefined, false);
    expect(() => grad(g, loss, [y])).toThrow(/cannot tell whether dimension 'm'/);
  });
});
