/** Div: `y = a / b` (broadcasting). Gradient: `da = dy / b`, `db = -dy * y / b`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function div(g: GraphCore, a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, 'div');
  return g.node1('Div', [x, y], {}, x.dtype, broadcastShapes('div', x.shape, y.shape));
}

registerGradient('Div', ({ g, x, y, dy, needs }) => {
  const da = needs[0] || needs[1] ? g.div(dy[0]!, x[1]!) : undefined;
  return [
    needs[0] ? unbroadcast(g, da!, x[0]!, 'Div') : undefined,
    needs[1] ? g.neg(unbroadcast(g, g.mul(da!, y[0]!), x[1]!, 'Div')) : undefined,
  ];
});
