import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad } from '../../../../src/policy/graph/autodiff.js';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import { crossEntropy, gelu, geluTanh, tokenLogprobs } from '../../../../src/policy/graph/nn.js';
import { expectGradOk, runs, shapeArb } from './helpers.js';

describe('composites with hand-written gradients', () => {
  it('geluTanh: the hand-written rule matches finite differences (float64)', async () => {
    await fc.assert(fc.asyncProperty(shapeArb, async (s) => {
      await expectGradOk({ inputs: { a: { dtype: 'float64', shape: s, range: [-3, 3] } }, build: (g, x) => geluTanh(g, x.a!) });
    }), runs);
  });

  it('gelu (erf): the hand-written rule matches finite differences (float32)', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float32', shape: [3, 4], range: [-3, 3] } }, build: (g, x) => gelu(g, x.a!) });
  });

  it('tokenLogprobs: the hand-written rule matches finite differences, repeated targets included', async () => {
    await expectGradOk({
      inputs: { l: { dtype: 'float64', shape: [2, 3, 5], range: [-2, 2] }, t: { dtype: 'int64', shape: [2, 3], data: [0, 4, 4, 2, 2, 1] } },
      build: (g, x) => tokenLogprobs(g, x.l!, x.t!),
    });
    await expectGradOk({
      inputs: { l: { dtype: 'float64', shape: [2, 3, 5] }, t: { dtype: 'int64', shape: [2, 3], data: [1, 0, 3, 3, 2, 4] }, m: { dtype: 'float64', shape: [2, 3], data: [1, 1, 0, 1, 0, 1], wrt: false } },
      build: (g, x) => crossEntropy(g, x.l!, x.t!, x.m!),
    });
  });

  it('a custom rule composes with ordinary ops and fan-out', async () => {
    await expectGradOk({
      inputs: { a: { dtype: 'float64', shape: [2, 3] }, w: { dtype: 'float64', shape: [3, 3] } },
      build: (g, x) => {
        const h = g.matmul(x.a!, x.w!);
        return g.mul(geluTanh(g, h), h);
      },
    });
  });

  it('the rule replaces the chain rule: its nodes, not the forward pieces, make the backward', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [4]);
    const y = g.customGradient([x], (v) => g.mul(v, v), ({ g: b, dy }) => [b.mul(dy, 7)]);
    const before = g.nodes.length;
    const [dx] = grad(g, g.reduceSum(y, undefined, false), [x]);
    const added = g.nodes.slice(before).map((n) => n.opType);
    expect(added).toContain('Mul');
    expect(g.producer.get(dx!.name)!.opType).toBe('Mul');
    expect(g.producer.get(dx!.name)!.inputs).toContain(g.scalar(7, 'float32').name);
  });

  it('forward must return a tensor of the same graph', () => {
    const g = new GraphBuilder();
    const other = new GraphBuilder();
    const x = g.input('x', 'float32', [4]);
    const z = other.input('z', 'float32', [4]);
    expect(() => g.customGradient([x], () => z, () => [])).toThrow(/another graph/);
    expect(() => g.customGradient([x], () => [], () => [])).toThrow(/no output/);
    const w = g.input('w', 'float32', [4]);
    expect(() => g.customGradient([x], (v) => g.mul(v, w), () => [])).toThrow(/forward uses 'w', which is not among its inputs/);
    expect(g.customGradient([x], (v) => g.mul(v, 2), ({ dy }) => [dy]).dtype).toBe('float32'); // constants are fine
  });
});
