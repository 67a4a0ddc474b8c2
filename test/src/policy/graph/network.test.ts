import { describe, it } from 'vitest';
import type { CheckInput } from '../../../../src/policy/graph/gradcheck.js';
import { type ToyConfig, toyLoss, toyParams } from '../../../../src/policy/graph/toy.js';
import { expectGradOk } from './helpers.js';

/** End-to-end finite-difference check of a whole multi-layer transformer (float64). */
async function checkNetwork(c: ToyConfig, tol: { rtol?: number; atol?: number } = {}): Promise<void> {
  const B = 2;
  const params = toyParams(c, 3);
  const inputs: Record<string, CheckInput> = {
    ids: { dtype: 'int64', shape: [B, c.seq], data: Array.from({ length: B * c.seq }, (_, i) => (i * 5 + 1) % c.vocab) },
    targets: { dtype: 'int64', shape: [B, c.seq], data: Array.from({ length: B * c.seq }, (_, i) => (i * 3 + 2) % c.vocab) },
  };
  // Perturb the initial values so that norms/biases are not at special points (ones, zeros).
  for (const p of params) inputs[p.name] = { dtype: 'float64', shape: p.shape, data: Array.from(p.init, (v, i) => v + 0.1 * Math.sin(i * 1.7 + p.name.length)) };
  await expectGradOk({
    inputs,
    build: (g, x) => toyLoss(g, c, (n) => x[n]!, x.ids!, x.targets!),
    samples: 3,
    ...tol,
  });
}

describe('end-to-end gradient check of a transformer', () => {
  it('2 layers, LayerNormalization, causal attention, GELU(tanh), learned everything', async () => {
    // LayerNormalization stashes its statistics in float32 even for float64 inputs: looser tolerance.
    await checkNetwork({ vocab: 7, dim: 8, heads: 2, mlp: 12, layers: 2, seq: 4, dtype: 'float64', norm: 'layer' }, { rtol: 1e-3, atol: 1e-6 });
  });

  it('2 layers, RMSNorm, rotary embeddings, grouped-query attention (2 q heads per kv head), SiLU', async () => {
    await checkNetwork({ vocab: 6, dim: 8, heads: 4, kvHeads: 2, mlp: 12, layers: 2, seq: 5, dtype: 'float64', norm: 'rms', rope: true, act: 'silu' });
  });
});
