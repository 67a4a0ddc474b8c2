/**
 * MatMul (numpy semantics): `[..., M, K] x [..., K, N] -> [..., M, N]`, batch dims broadcast.
 *
 * Gradient, written to keep the backward graph lean:
 * - 1-D operands are lifted to matrices and the results reshaped back.
 * - `[..., M, K] x [K, N]` (activations times a weight, the common case): both gradients are one
 *   2-D Gemm on free reshapes, `dA = dY·Bᵀ` (transB) and `dB = Aᵀ·dY` (transA), no Transpose.
 * - batched `[..., M, K] x [..., K, N]` (attention): `dA = dY·Bᵀ`, `dB = Aᵀ·dY` with a last-two-axes
 *   Transpose that ONNX Runtime fuses into the MatMul; batch broadcasting summed back once.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphBuilder } from '../builder.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Shape, type Tensor, fmtShape } from '../tensor.js';
import { broadcastShapes } from './common.js';
import { unbroadcast } from './grad-util.js';

/** Output shape of MatMul. */
export function matmulShape(a: Shape, b: Shape): Dim[] {
  if (a.length === 0 || b.length === 0) throw new GlimpseError('bad_argument', 'matmul: scalars are not allowed');
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const ka = a2[a2.length - 1]!;
  const kb = b2[b2.length - 2]!;
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) {
    throw new GlimpseError('bad_argument', `matmul: inner dimensions differ: ${fmtShape(a)} x ${fmtShape(b)}`);
  }
  const batch = broadcastShapes('matmul', a2.slice(0, -2), b2.slice(0, -2));
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

export function matmul(g: GraphCore, a: Tensor, b: Tensor): Tensor {
  g.own(a, 'matmul');
  g.own(b, 'matmul');
  if (a.dtype !== b.dtype) throw new GlimpseError('bad_argument', `matmul: dtypes differ (${a.dtype} vs ${b.dtype})`);
  return g.node1('MatMul', [a, b], {}, a.dtype, matmulShape(a.shape, b.shape));
}

/** Swaps the last two axes. */
export function transposeLast(g: GraphBuilder, t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
  return g.transpose(t, perm);
}

function matmulGrads(g: GraphBuilder, a: Tensor, b: Tensor, d: Tensor, needs: readonly boolean[]): [Tensor | undefined, Tensor | undefined] {
  if (b.rank === 2) {
    const K = a.shape[a.rank - 1]!;
    const N = b.shape[1]!;
    const a2 = a.rank === 2 ? a : g.reshape(a, [-1, K]);
    const d2 = d.rank === 2 ? d : g.reshape(d, [-1, N]);
    const da = needs[0] ? g.gemm(d2, b, { transB: true }) : undefined;
    return [da && (a.rank === 2 ? da : g.reshapeLike(da, a)), needs[1] ? g.gemm(a2, d2, { transA: true }) : undefined];
  }
  return [
    needs[0] ? unbroadcast(g, g.matmul(d, transposeLast(g, b)), a, 'MatMul') : undefined,
    needs[1] ? unbroadcast(g, g.matmul(transposeLast(g, a), d), b, 'MatMul') : undefined,
  ];
}

registerGradient('MatMul', ({ g, x, dy, needs }) => {
  const [a, b] = [x[0]!, x[1]!];
  if (a.rank >= 2 && b.rank >= 2) return matmulGrads(g, a, b, dy[0]!, needs);
  // 1-D operands: lift to matrices ([K] -> [1, K] on the left, [K, 1] on the right), then back.
  const a2 = a.rank === 1 ? g.unsqueeze(a, [0]) : a;
  const b2 = b.rank === 1 ? g.unsqueeze(b, [1]) : b;
  let d2 = dy[0]!;
  if (a.rank === 1) d2 = g.unsqueeze(d2, [d2.rank - (b.rank === 1 ? 0 : 1)]);
  if (b.rank === 1) d2 = g.unsqueeze(d2, [d2.rank]);
  const [da, db] = matmulGrads(g, a2, b2, d2, needs);
  return [da && (a.rank === 1 ? g.reshapeLike(da, a) : da), db && (b.rank === 1 ? g.reshapeLike(db, b) : db)];
});
