/** Expand (broadcast) to a shape. Gradient: `dy` summed back over the broadcast axes. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Shape, Tensor } from '../tensor.js';
import { broadcastShapes } from './common.js';
import { unbroadcast } from './grad-util.js';

/** Expand `x` to `dims` (numbers / declared symbols), or to a run-time shape tensor with declared `outShape`. */
export function expand(g: GraphCore, x: Tensor, dims: Shape | Tensor, outShape?: Shape): Tensor {
  g.own(x, 'expand');
  if (dims instanceof Tensor) return g.node1('Expand', [x, dims], {}, x.dtype, broadcastShapes('expand', x.shape, outShape ?? x.shape));
  return g.node1('Expand', [x, g.shapeTensor(dims)], {}, x.dtype, broadcastShapes('expand', x.shape, dims));
}

registerGradient('Expand', ({ g, x, dy }) => [unbroadcast(g, dy[0]!, x[0]!, 'Expand')]);
