import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import type { Tensor } from '../../../../src/policy/graph/tensor.js';
import { broadcastPairArb, expectGradOk, runs, shapeArb } from './helpers.js';

type Bin = (g: GraphBuilder, a: Tensor, b: Tensor) => Tensor;
const binary: [string, Bin, [number, number]?][] = [
  ['Add', (g, a, b) => g.add(a, b)],
  ['Sub', (g, a, b) => g.sub(a, b)],
  ['Mul', (g, a, b) => g.mul(a, b)],
  ['Div', (g, a, b) => g.div(a, b), [0.5, 2]],
  ['Pow', (g, a, b) => g.pow(a, b), [0.5, 2]],
  ['Min', (g, a, b) => g.min(a, b)],
  ['Max', (g, a, b) => g.max(a, b)],
];

describe('binary ops: gradients with broadcasting (float64 finite differences)', () => {
  for (const [name, f, range] of binary) {
    it(`${name}`, async () => {
      await fc.assert(fc.asyncProperty(broadcastPairArb, async ([sa, sb]) => {
        await expectGradOk({
          inputs: { a: { dtype: 'float64', shape: [...sa], range }, b: { dtype: 'float64', shape: [...sb], range } },
          build: (g, x) => f(g, x.a!, x.b!),
        });
      }), runs);
    });
  }

  it('a number operand becomes a scalar constant (x * 3 - 1)', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 3] } }, build: (g, x) => g.sub(g.mul(x.a!, 3), 1) });
  });

  it('fan-out accumulates: x*x + x', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3, 1, 2] } }, build: (g, x) => g.add(g.mul(x.a!, x.a!), x.a!) });
  });
});

type Un = (g: GraphBuilder, a: Tensor) => Tensor;
const unary: [string, Un, [number, number]?, ('float32' | 'float64')?, { eps?: number; rtol?: number; atol?: number }?][] = [
  ['Neg', (g, a) => g.neg(a)],
  ['Sqrt', (g, a) => g.sqrt(a), [0.5, 2]],
  ['Exp', (g, a) => g.exp(a)],
  ['Log', (g, a) => g.log(a), [0.5, 2]],
  ['Tanh', (g, a) => g.tanh(a)],
  ['Sigmoid', (g, a) => g.sigmoid(a)],
  ['Erf (float32: ONNX Runtime has no double kernel)', (g, a) => g.erf(a), undefined, 'float32'],
  ['Relu', (g, a) => g.relu(a)],
  ['Cos', (g, a) => g.cos(a)],
  ['Sin', (g, a) => g.sin(a)],
  ['Clip', (g, a) => g.clip(a, -0.5, 0.4)],
  ['Clip (min only)', (g, a) => g.clip(a, -0.5)],
  ['Cast float64 -> float32 -> float64 (float32 rounding: loose)', (g, a) => g.cast(g.mul(g.cast(a, 'float32'), 2), 'float64'), undefined, 'float64', { eps: 1e-2, rtol: 1e-3, atol: 1e-4 }],
  ['Identity', (g, a) => g.identity(a)],
  ['Softmax (last axis)', (g, a) => g.softmax(a)],
  ['Softmax (axis 0)', (g, a) => g.softmax(a, 0)],
  ['LogSoftmax', (g, a) => g.logSoftmax(a)],
  ['LogSoftmax (axis 0)', (g, a) => g.logSoftmax(a, 0)],
];

describe('unary ops: gradients (finite differences)', () => {
  for (const [name, f, range, dtype, tol] of unary) {
    it(name, async () => {
      await fc.assert(fc.asyncProperty(shapeArb, async (s) => {
        await expectGradOk({ inputs: { a: { dtype: dtype ?? 'float64', shape: s, range } }, build: (g, x) => f(g, x.a!), ...tol });
      }), runs);
    });
  }
});
