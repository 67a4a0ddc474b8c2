/** Mul: `y = a * b` (broadcasting). Gradient: `da = dy * b`, `db = dy * a`, each summed back. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function mul(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'mul');
  return g.node1('Mul', [x, y], {}, x.dtype, broadcastShapes('mul', x.shape, y.shape));
}

registerGradient('Mul', ({ g, x, dy, needs }) => [
  needs[0] ? unbroadcast(g, g.mul(dy[0]!, x[1]!), x[0]!, 'Mul') : undefined,
  needs[1] ? unbroadcast(g, g.mul(dy[0]!, x[0]!), x[1]!, 'Mul') : undefined,
]);
