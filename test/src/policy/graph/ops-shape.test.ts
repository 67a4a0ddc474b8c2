import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import { expectGradOk, runs, shapeArb } from './helpers.js';

const axisOf = (rank: number) => fc.integer({ min: -rank, max: rank - 1 });

describe('reductions: gradients', () => {
  for (const [name, op] of [['ReduceSum', 'reduceSum'], ['ReduceMean', 'reduceMean'], ['ReduceMax', 'reduceMax']] as const) {
    it(`${name} over random axes, keepdims on and off`, async () => {
      await fc.assert(fc.asyncProperty(shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i), { minLength: 1 }), fc.boolean())), async ([s, axes, keep]) => {
        await expectGradOk({ inputs: { a: { dtype: 'float64', shape: s } }, build: (g, x) => g[op](x.a!, axes, keep) });
      }), runs);
    });
    it(`${name} over all axes to a scalar`, async () => {
      await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3] } }, build: (g, x) => g[op](x.a!, undefined, false) });
    });
  }
});

describe('shape ops: gradients', () => {
  it('Reshape (with -1 and 0)', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3, 4] } }, build: (g, x) => g.mul(g.reshape(x.a!, [0, -1]), g.constant(Array.from({ length: 12 }, (_, i) => i), 'float64', [12])) });
  });
  it('Transpose (random permutation)', async () => {
    await fc.assert(fc.asyncProperty(shapeArb.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))), async ([s, perm]) => {
      await expectGradOk({ inputs: { a: { dtype: 'float64', shape: s } }, build: (g, x) => g.transpose(x.a!, perm) });
    }), runs);
  });
  it('Squeeze / Unsqueeze', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 1, 3] } }, build: (g, x) => g.unsqueeze(g.squeeze(x.a!, [1]), [0, 3]) });
  });
  it('Concat (static sizes -> Split)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat(1), async (m, n, axis) => {
      const sa = axis === 0 ? [m, 2] : [2, m];
      const sb = axis === 0 ? [n, 2] : [2, n];
      await expectGradOk({ inputs: { a: { dtype: 'float64', shape: sa }, b: { dtype: 'float64', shape: sb } }, build: (g, x) => g.concat([x.a!, x.b!, x.a!], axis) });
    }), runs);
  });
  it('Split (one piece unused gets zeros)', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 7] } }, build: (g, x) => { const [p, , r] = g.split(x.a!, [3, 1, 3], 1); return g.mul(p!, r!); } });
  });
  it('Slice (negative starts, partial axes) -> Pad', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3, 6] } }, build: (g, x) => g.slice(x.a!, [-4, 1], [100, 2], [1, 0]) });
  });
  it('Slice with steps > 1 is not differentiable (clear error)', () => {
    const g = new GraphBuilder();
    const a = g.input('a', 'float32', [4]);
    const y = g.reduceSum(g.slice(a, [0], [4], [0], [2]), undefined, false);
    return import('../../../../src/policy/graph/autodiff.js').then(({ grad }) => expect(() => grad(g, y, [a])).toThrow(/only unit steps/));
  });
  it('Pad', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3] } }, build: (g, x) => g.pad(x.a!, [1, 0, 0, 2], 0.5) });
  });
  it('Expand with broadcasting', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3, 1] } }, build: (g, x) => g.expand(x.a!, [2, 3, 4]) });
  });
  it('Where (broadcast condition and branches)', async () => {
    await fc.assert(fc.asyncProperty(axisOf(2), async () => {
      await expectGradOk({
        inputs: { c: { dtype: 'bool', shape: [3, 1], wrt: false }, a: { dtype: 'float64', shape: [1, 4] }, b: { dtype: 'float64', shape: [4] } },
        build: (g, x) => g.where(x.c!, x.a!, x.b!),
      });
    }), { ...runs, numRuns: 2 });
  });
  it('Trilu (upper and lower, offset)', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3, 3] } }, build: (g, x) => g.add(g.trilu(x.a!, true, 1), g.trilu(x.a!, false)) });
  });
  it('Sum of three with broadcasting', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3] }, b: { dtype: 'float64', shape: [3] }, c: { dtype: 'float64', shape: [2, 1] } }, build: (g, x) => g.sum([x.a!, x.b!, x.c!]) });
  });
});

describe('indexing: gradients', () => {
  it('Gather axis 0 (embedding) with repeated ids accumulates', async () => {
    await expectGradOk({
      inputs: { t: { dtype: 'float64', shape: [5, 3] }, i: { dtype: 'int64', shape: [2, 3], data: [0, 4, 4, 1, 0, 4] } },
      build: (g, x) => g.gather(x.t!, x.i!),
    });
  });
  it('Gather axis 1 with int32 indices', async () => {
    await expectGradOk({
      inputs: { t: { dtype: 'float64', shape: [2, 4, 3] }, i: { dtype: 'int32', shape: [3], data: [3, 3, 0] } },
      build: (g, x) => g.gather(x.t!, x.i!, 1),
    });
  });
  it('GatherElements (per-token log-probability pick)', async () => {
    await expectGradOk({
      inputs: { l: { dtype: 'float64', shape: [2, 3, 5] }, i: { dtype: 'int64', shape: [2, 3, 1], data: [0, 4, 2, 2, 1, 4] } },
      build: (g, x) => g.gatherElements(g.logSoftmax(x.l!), x.i!, -1),
    });
  });
  it('ScatterND and ScatterElements (updates and data)', async () => {
    await expectGradOk({
      inputs: { d: { dtype: 'float64', shape: [4, 2] }, u: { dtype: 'float64', shape: [2, 2] }, i: { dtype: 'int64', shape: [2, 1], data: [3, 1] } },
      build: (g, x) => g.add(g.scatterND(x.d!, x.i!, x.u!), g.scatterND(x.d!, x.i!, x.u!, 'add')),
    });
    await expectGradOk({
      inputs: { d: { dtype: 'float64', shape: [3, 2] }, u: { dtype: 'float64', shape: [1, 2] }, i: { dtype: 'int64', shape: [1, 2], data: [2, 0] } },
      build: (g, x) => g.mul(g.scatterElements(x.d!, x.i!, x.u!, 0), g.scatterElements(x.d!, x.i!, x.u!, 0, 'add')),
    });
  });
});

describe('transpose folding', () => {
  it('a transpose of a transpose is one node, and an inverse pair cancels', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3, 4, 5]);
    const t1 = g.transpose(x, [0, 2, 1, 3]);
    const t2 = g.transpose(t1, [0, 1, 3, 2]);
    expect(t2.shape).toEqual([2, 4, 5, 3]);
    expect(g.producer.get(t2.name)!.inputs[0]).toBe('x');
    expect(g.producer.get(t2.name)!.attrs.perm).toEqual([0, 2, 3, 1]);
    expect(g.transpose(t1, [0, 2, 1, 3])).toBe(x);
  });
  it('folded transposes keep correct gradients', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3, 4] } }, build: (g, x) => g.mul(g.transpose(g.transpose(x.a!, [1, 0, 2]), [0, 2, 1]), 2) });
  });
});

describe('opset 17 (reduce axes as attributes)', () => {
  it('ReduceMean / ReduceMax / ReduceSum gradients and LayerNormalization at opset 17', async () => {
    await expectGradOk({
      opset: 17,
      inputs: { a: { dtype: 'float64', shape: [2, 3, 4] }, s: { dtype: 'float64', shape: [4] } },
      build: (g, x) => g.add(g.add(g.reduceMean(x.a!, [1], true), g.reduceMax(x.a!, [-1], true)), g.mul(g.reduceSum(x.a!, [0], true), g.layerNorm(x.a!, x.s!))),
    });
  });
});
