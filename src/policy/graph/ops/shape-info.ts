/** Shape queries and filled tensors (no gradients): Shape, Size, Range, fill (Expand of a scalar). */
import type { GraphCore } from '../core.js';
import type { DType, Shape, Tensor } from '../tensor.js';
import { GlimpseError } from '../../../util/errors.js';
import { freshDim } from './common.js';

/** Run-time size of one axis as a 1-element int64 tensor. */
export function dimOf(g: GraphCore, x: Tensor, axis: number): Tensor {
  g.own(x, 'dimOf');
  const a = axis < 0 ? axis + x.rank : axis;
  const d = x.shape[a];
  if (typeof d === 'number') return g.int64s([d]);
  if (d !== undefined && g.symbolSources.has(d)) return g.dimTensor(d);
  return g.node1('Shape', [x], { start: a, end: a + 1 }, 'int64', [1]);
}

/** Number of elements of `x` as an int64 scalar. */
export function size(g: GraphCore, x: Tensor): Tensor {
  g.own(x, 'size');
  const n = x.size;
  if (n !== undefined) return g.constant([n], 'int64', []);
  return g.node1('Size', [x], {}, 'int64', []);
}

/** A tensor of `shape` (a 1-D int64 tensor) filled with `value`; `outShape` is its declared shape. */
export function fill(g: GraphCore, shape: Tensor, value: number, dtype: DType, outShape: Shape): Tensor {
  return g.node1('Expand', [g.scalar(value, dtype), g.own(shape, 'fill')], {}, dtype, outShape);
}

/** `[start, start+delta, ...)` up to `limit` (scalars of the same dtype, e.g. int64 positions). */
export function range(g: GraphCore, start: Tensor, limit: Tensor, delta: Tensor): Tensor {
  return g.node1('Range', [start, limit, delta], {}, start.dtype, [freshDim()]);
}

/** Index of the largest value along `axis` (int64; no gradient), e.g. greedy decoding. */
export function argMax(g: GraphCore, x: Tensor, axis = -1, keepdims = false): Tensor {
  g.own(x, 'argMax');
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) throw new GlimpseError('bad_argument', `argMax: axis ${axis} is out of range for rank ${x.rank}`);
  const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  return g.node1('ArgMax', [x], { axis: a, keepdims: keepdims ? 1 : 0 }, 'int64', shape);
}
