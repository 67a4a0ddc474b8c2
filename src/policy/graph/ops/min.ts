/** Min of two tensors (broadcasting). Gradient: `dy` goes to the smaller operand (`a` on ties). */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function min(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'min');
  return g.node1('Min', [x, y], {}, x.dtype, broadcastShapes('min', x.shape, y.shape));
}

registerGradient('Min', ({ g, x, dy, needs }) => {
  const pickA = g.lessOrEqual(x[0]!, x[1]!);
  const zero = g.scalar(0, dy[0]!.dtype);
  return [
    needs[0] ? unbroadcast(g, g.where(pickA, dy[0]!, zero), x[0]!, 'Min') : undefined,
    needs[1] ? unbroadcast(g, g.where(pickA, zero, dy[0]!), x[1]!, 'Min') : undefined,
  ];
});
