/** Helpers for gradient rules: undoing broadcasting, zeros, reshaping back. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphBuilder } from '../builder.js';
import { type Tensor, fmtShape } from '../tensor.js';

/**
 * Sums a gradient `d` (shaped like a broadcast result) back to the shape of `x`: one ReduceSum
 * over the broadcast axes (leading axes and size-1 axes of `x`), then a free Reshape when leading
 * axes were dropped. Throws when a symbolic dimension of `x` may or may not have been broadcast.
 */
export function unbroadcast(g: GraphBuilder, d: Tensor, x: Tensor, op: string): Tensor {
  const ys = d.shape;
  const xs = x.shape;
  const lead = ys.length - xs.length;
  if (lead < 0) throw new GlimpseError('bad_argument', `${op} gradient: gradient ${fmtShape(ys)} has lower rank than input ${fmtShape(xs)}`);
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  for (let j = 0; j < xs.length; j++) {
    const xd = xs[j]!;
    const yd = ys[j + lead]!;
    if (xd === yd || yd === 1) continue;
    if (xd === 1) {
      axes.push(j + lead);
      continue;
    }
    if (typeof xd === 'number' && typeof yd === 'number') {
      throw new GlimpseError('bad_argument', `${op} gradient: dimension ${xd} of '${x.name}' cannot broadcast to ${yd}`);
    }
    if (typeof xd === 'string' && !xd.startsWith('?') && typeof yd === 'number') continue; // symbol pinned to yd
    if (typeof xd === 'number' && typeof yd === 'string') continue;
    throw new GlimpseError('unsupported', `${op} gradient: cannot tell whether dimension '${xd}' of '${x.name}' ${fmtShape(xs)} was broadcast to '${yd}'`, 'use the same symbolic dimension names for equal sizes');
  }
  if (axes.length === 0) return d;
  if (axes.length === lead) return g.reduceSum(d, axes, false);
  const r = g.reduceSum(d, axes, true);
  return lead > 0 ? g.reshapeLike(r, x) : r;
}

/** Zeros with the run-time shape and dtype of `t`. */
export function zerosLike(g: GraphBuilder, t: Tensor): Tensor {
  return g.fill(g.shapeOf(t), 0, t.dtype, t.shape);
}
