/** ReduceMax over `axes`. Gradient: `dy` to the maxima (split evenly between ties). */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { keepDims, nodeAxes, reduce } from './reduce-common.js';

export function reduceMax(g: GraphCore, x: Tensor, axes?: readonly number[], keepdims = true): Tensor {
  return reduce(g, 'ReduceMax', x, axes, keepdims, 'reduceMax');
}

registerGradient('ReduceMax', (ctx) => {
  const { g, x, y, dy, attrs } = ctx;
  const axes = nodeAxes(ctx);
  const keep = attrs.keepdims !== 0;
  const xx = x[0]!;
  const mask = g.cast(g.equal(xx, keepDims(g, y[0]!, axes, keep)), xx.dtype);
  const count = g.reduceSum(mask, axes, true);
  return [g.mul(mask, g.div(keepDims(g, dy[0]!, axes, keep), count))];
});
