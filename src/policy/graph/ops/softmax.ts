/** Softmax over one axis (default last). Gradient: `y·(dy − Σ(dy·y))` along the axis. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { requireFloat } from './common.js';

export function softmax(g: GraphCore, x: Tensor, axis = -1): Tensor {
  requireFloat(g, x, 'softmax');
  normAxis(axis, x.rank, 'softmax');
  return g.node1('Softmax', [x], { axis }, x.dtype, x.shape);
}

registerGradient('Softmax', ({ g, y, dy, attrs }) => {
  const axis = (attrs.axis as number | undefined) ?? -1;
  const yy = y[0]!;
  const s = g.reduceSum(g.mul(dy[0]!, yy), [axis], true);
  return [g.mul(yy, g.sub(dy[0]!, s))];
});
