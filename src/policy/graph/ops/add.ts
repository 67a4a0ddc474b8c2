/** Add: `y = a + b` with numpy broadcasting. Gradient: `dy` summed back to each operand's shape. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function add(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'add');
  return g.node1('Add', [x, y], {}, x.dtype, broadcastShapes('add', x.shape, y.shape));
}

registerGradient('Add', ({ g, x, dy, needs }) => [
  needs[0] ? unbroadcast(g, dy[0]!, x[0]!, 'Add') : undefined,
  needs[1] ? unbroadcast(g, dy[0]!, x[1]!, 'Add') : undefined,
]);
