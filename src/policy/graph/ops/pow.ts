/**
 * Pow: `y = a ^ b` (broadcasting). Gradient: `da = dy * b * a^(b-1)`, `db = dy * y * ln(a)`
 * (the exponent's gradient is NaN for a <= 0, as in every framework).
 */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function pow(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'pow');
  return g.node1('Pow', [x, y], {}, x.dtype, broadcastShapes('pow', x.shape, y.shape));
}

registerGradient('Pow', ({ g, x, y, dy, needs }) => {
  const [a, b] = [x[0]!, x[1]!];
  return [
    needs[0] ? unbroadcast(g, g.mul(dy[0]!, g.mul(b, g.pow(a, g.sub(b, 1)))), a, 'Pow') : undefined,
    needs[1] ? unbroadcast(g, g.mul(dy[0]!, g.mul(y[0]!, g.log(a))), b, 'Pow') : undefined,
  ];
});
