/**
 * Gemm: `Y = alpha·op(A)·op(B) + beta·C` with 2-D A, B (op = optional transpose) and C
 * broadcast to `[M, N]`. Gradients are Gemms with the transposes folded into the flags.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, fmtShape } from '../tensor.js';
import { unbroadcast } from './grad-util.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

export function gemm(g: GraphCore, a: Tensor, b: Tensor, c?: Tensor, o: GemmOptions = {}): Tensor {
  g.own(a, 'gemm');
  g.own(b, 'gemm');
  if (c) g.own(c, 'gemm');
  if (a.rank !== 2 || b.rank !== 2) throw new GlimpseError('bad_argument', `gemm: A and B must be 2-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const [M, K1] = o.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [K2, N] = o.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (typeof K1 === 'number' && typeof K2 === 'number' && K1 !== K2) {
    throw new GlimpseError('bad_argument', `gemm: inner dimensions differ: ${fmtShape(a.shape)}${o.transA ? 'ᵀ' : ''} x ${fmtShape(b.shape)}${o.transB ? 'ᵀ' : ''}`);
  }
  return g.node1('Gemm', [a, b, c], {
    transA: o.transA ? 1 : undefined,
    transB: o.transB ? 1 : undefined,
    alpha: o.alpha !== undefined && o.alpha !== 1 ? { f: o.alpha } : undefined,
    beta: o.beta !== undefined && o.beta !== 1 ? { f: o.beta } : undefined,
  }, a.dtype, [M, N]);
}

registerGradient('Gemm', ({ g, x, dy, needs, attrs }) => {
  const [a, b, c] = x;
  const d = dy[0]!;
  const tA = attrs.transA === 1;
  const tB = attrs.transB === 1;
  const alpha = typeof attrs.alpha === 'object' && 'f' in attrs.alpha ? attrs.alpha.f : 1;
  const beta = typeof attrs.beta === 'object' && 'f' in attrs.beta ? attrs.beta.f : 1;
  // Y = op(A) op(B): d op(A) = dY op(B)ᵀ, d op(B) = op(A)ᵀ dY.
  const da = !needs[0] ? undefined
    : tA ? g.gemm(b!, d, { transA: tB, transB: true, alpha })
      : g.gemm(d, b!, { transB: !tB, alpha });
  const db = !needs[1] ? undefined
    : tB ? g.gemm(d, a!, { transA: true, transB: tA, alpha })
      : g.gemm(a!, d, { transA: !tA, alpha });
  const dc = needs[2] && c ? unbroadcast(g, beta === 1 ? d : g.mul(d, beta), c, 'Gemm') : undefined;
  return [da, db, dc];
});
