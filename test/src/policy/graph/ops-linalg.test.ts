import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import { expectGradOk, runs } from './helpers.js';

const dim = fc.integer({ min: 1, max: 4 });

describe('MatMul gradient', () => {
  it('[..., M, K] x [K, N] (activation x weight, Gemm path) with size-1 dims', async () => {
    await fc.assert(fc.asyncProperty(fc.array(dim, { minLength: 0, maxLength: 2 }), dim, dim, dim, async (batch, m, k, n) => {
      await expectGradOk({
        inputs: { a: { dtype: 'float64', shape: [...batch, m, k] }, b: { dtype: 'float64', shape: [k, n] } },
        build: (g, x) => g.matmul(x.a!, x.b!),
      });
    }), runs);
  });

  it('batched with broadcast batch dims [B, 1, M, K] x [H, K, N]', async () => {
    await fc.assert(fc.asyncProperty(dim, dim, dim, dim, dim, async (b, h, m, k, n) => {
      await expectGradOk({
        inputs: { a: { dtype: 'float64', shape: [b, 1, m, k] }, b: { dtype: 'float64', shape: [h, k, n] } },
        build: (g, x) => g.matmul(x.a!, x.b!),
      });
    }), runs);
  });

  it('[M, K] x [B, K, N] sums the broadcast batch into dA', async () => {
    await expectGradOk({
      inputs: { a: { dtype: 'float64', shape: [3, 2] }, b: { dtype: 'float64', shape: [4, 2, 5] } },
      build: (g, x) => g.matmul(x.a!, x.b!),
    });
  });

  it('1-D operands: vector x matrix, batched matrix x vector, vector x vector', async () => {
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3] }, b: { dtype: 'float64', shape: [3, 4] } }, build: (g, x) => g.matmul(x.a!, x.b!) });
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [2, 5, 3] }, b: { dtype: 'float64', shape: [3] } }, build: (g, x) => g.matmul(x.a!, x.b!) });
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3] }, b: { dtype: 'float64', shape: [2, 3, 4] } }, build: (g, x) => g.matmul(x.a!, x.b!) });
    await expectGradOk({ inputs: { a: { dtype: 'float64', shape: [3] }, b: { dtype: 'float64', shape: [3] } }, build: (g, x) => g.mul(g.matmul(x.a!, x.b!), 1) });
  });

  it('rejects mismatched inner dimensions, naming the shapes', () => {
    const g = new GraphBuilder();
    expect(() => g.matmul(g.input('a', 'float32', [2, 3]), g.input('b', 'float32', [4, 5]))).toThrow(/inner dimensions differ: \[2, 3\] x \[4, 5\]/);
  });
});

describe('Gemm gradient', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, alpha/beta, broadcast C`, async () => {
        await expectGradOk({
          inputs: {
            a: { dtype: 'float64', shape: transA ? [3, 2] : [2, 3] },
            b: { dtype: 'float64', shape: transB ? [4, 3] : [3, 4] },
            c: { dtype: 'float64', shape: [1, 4] },
          },
          build: (g, x) => g.gemm(x.a!, x.b!, { c: x.c!, transA, transB, alpha: 0.7, beta: 1.3 }),
        });
      });
    }
  }
});

describe('Conv gradient (float32: no double kernels in ONNX Runtime)', () => {
  it('patch embedding: stride = kernel', async () => {
    await expectGradOk({
      inputs: { x: { dtype: 'float32', shape: [2, 3, 4, 6] }, w: { dtype: 'float32', shape: [5, 3, 2, 2] }, b: { dtype: 'float32', shape: [5] } },
      build: (g, x) => g.conv(x.x!, x.w!, x.b!, { strides: [2, 2] }),
      samples: 8,
    });
  });

  it('3-d patch embedding (Qwen2-VL temporal patches): kernel [2, 2, 2], stride 2', async () => {
    await expectGradOk({
      inputs: { x: { dtype: 'float32', shape: [1, 2, 2, 4, 4] }, w: { dtype: 'float32', shape: [3, 2, 2, 2, 2] } },
      build: (g, x) => g.conv(x.x!, x.w!, undefined, { strides: [2, 2, 2] }),
      samples: 8,
    });
  });

  it('padding, stride 2, dilation 1 with a remainder', async () => {
    await expectGradOk({
      inputs: { x: { dtype: 'float32', shape: [1, 2, 5, 5] }, w: { dtype: 'float32', shape: [2, 2, 3, 3] } },
      build: (g, x) => g.conv(x.x!, x.w!, undefined, { strides: [2, 2], pads: [1, 1, 1, 1] }),
      samples: 8,
    });
  });
});

describe('LayerNormalization gradient', () => {
  it('normalises the last axis with scale and bias', async () => {
    await fc.assert(fc.asyncProperty(dim, dim, fc.integer({ min: 2, max: 5 }), async (b, t, d) => {
      await expectGradOk({
        inputs: { x: { dtype: 'float64', shape: [b, t, d] }, s: { dtype: 'float64', shape: [d] }, c: { dtype: 'float64', shape: [d] } },
        build: (g, x) => g.layerNorm(x.x!, x.s!, x.c!),
      });
    }), runs);
  });

  it('normalises the last two axes (axis 1)', async () => {
    await expectGradOk({
      inputs: { x: { dtype: 'float64', shape: [2, 3, 4] }, s: { dtype: 'float64', shape: [3, 4] } },
      build: (g, x) => g.layerNorm(x.x!, x.s!, undefined, { axis: 1 }),
    });
  });
});
