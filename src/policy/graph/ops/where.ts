/** Where: `cond ? a : b` (broadcasting). Gradient: `dy` masked into each branch, summed back. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';
import { unbroadcast } from './grad-util.js';

export function where(g: GraphCore, cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  g.own(cond, 'where');
  if (cond.dtype !== 'bool') throw new GlimpseError('bad_argument', `where: condition '${cond.name}' must be bool, got ${cond.dtype}`);
  const [x, y] = liftPair(g, a, b, 'where');
  return g.node1('Where', [cond, x, y], {}, x.dtype, broadcastShapes('where', cond.shape, x.shape, y.shape));
}

registerGradient('Where', ({ g, x, dy, needs }) => {
  const zero = g.scalar(0, dy[0]!.dtype);
  return [
    undefined,
    needs[1] ? unbroadcast(g, g.where(x[0]!, dy[0]!, zero), x[1]!, 'Where') : undefined,
    needs[2] ? unbroadcast(g, g.where(x[0]!, zero, dy[0]!), x[2]!, 'Where') : undefined,
  ];
});
