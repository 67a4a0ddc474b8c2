/** LogSoftmax over one axis (default last). Gradient: `dy − exp(y)·Σ dy` along the axis. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { requireFloat } from './common.js';

export function logSoftmax(g: GraphCore, x: Tensor, axis = -1): Tensor {
  requireFloat(g, x, 'logSoftmax');
  normAxis(axis, x.rank, 'logSoftmax');
  return g.node1('LogSoftmax', [x], { axis }, x.dtype, x.shape);
}

registerGradient('LogSoftmax', ({ g, y, dy, attrs }) => {
  const axis = (attrs.axis as number | undefined) ?? -1;
  const s = g.reduceSum(dy[0]!, [axis], true);
  return [g.sub(dy[0]!, g.mul(g.exp(y[0]!), s))];
});
