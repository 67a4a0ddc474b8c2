/** ReduceMean over `axes` (all when omitted). Gradient: `dy / n` broadcast back, n = reduced count. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { staticSize } from './common.js';
import { keepDims, nodeAxes, reduce } from './reduce-common.js';

export function reduceMean(g: GraphCore, x: Tensor, axes?: readonly number[], keepdims = true): Tensor {
  return reduce(g, 'ReduceMean', x, axes, keepdims, 'reduceMean');
}

registerGradient('ReduceMean', (ctx) => {
  const { g, x, y, dy, attrs } = ctx;
  const axes = nodeAxes(ctx);
  const xx = x[0]!;
  const n = staticSize(axes.map((a) => xx.shape[a]!));
  const count = n !== undefined ? g.scalar(n, xx.dtype) : g.div(g.cast(g.size(xx), xx.dtype), g.cast(g.size(y[0]!), xx.dtype));
  const d = keepDims(g, g.div(dy[0]!, count), axes, attrs.keepdims !== 0);
  return [g.expand(d, g.shapeOf(xx), xx.shape)];
});
