/** Sub: `y = a - b` (broadcasting). Gradient: `da = dy`, `db = -dy`, each summed back. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function sub(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'sub');
  return g.node1('Sub', [x, y], {}, x.dtype, broadcastShapes('sub', x.shape, y.shape));
}

registerGradient('Sub', ({ g, x, dy, needs }) => [
  needs[0] ? unbroadcast(g, dy[0]!, x[0]!, 'Sub') : undefined,
  needs[1] ? g.neg(unbroadcast(g, dy[0]!, x[1]!, 'Sub')) : undefined,
]);
