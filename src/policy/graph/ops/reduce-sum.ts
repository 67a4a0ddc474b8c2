/** ReduceSum over `axes` (all when omitted). Gradient: `dy` broadcast back (Expand) to `x`'s shape. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { keepDims, nodeAxes, reduce } from './reduce-common.js';

export function reduceSum(g: GraphCore, x: Tensor, axes?: readonly number[], keepdims = true): Tensor {
  return reduce(g, 'ReduceSum', x, axes, keepdims, 'reduceSum');
}

registerGradient('ReduceSum', (ctx) => {
  const { g, x, dy, attrs } = ctx;
  const d = keepDims(g, dy[0]!, nodeAxes(ctx), attrs.keepdims !== 0);
  return [g.expand(d, g.shapeOf(x[0]!), x[0]!.shape)];
});
