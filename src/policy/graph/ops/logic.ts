/** Comparisons and boolean logic: outputs are `bool`, so no gradient flows through them. */
import type { GraphCore } from '../core.js';
import { registerNoGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { GlimpseError } from '../../../util/errors.js';
import { type TensorLike, broadcastShapes, liftPair } from './common.js';

/** Elementwise comparison (`Equal`, `Less`, `LessOrEqual`, `Greater`, `GreaterOrEqual`) → bool. */
export function compare(g: GraphCore, opType: 'Equal' | 'Less' | 'LessOrEqual' | 'Greater' | 'GreaterOrEqual', a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = liftPair(g, a, b, opType);
  return g.node1(opType, [x, y], {}, 'bool', broadcastShapes(opType, x.shape, y.shape));
}

/** Boolean `And` / `Or` / `Xor` (broadcasting). */
export function logical(g: GraphCore, opType: 'And' | 'Or' | 'Xor', a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== 'bool' || b.dtype !== 'bool') throw new GlimpseError('bad_argument', `${opType}: both operands must be bool`);
  return g.node1(opType, [g.own(a, opType), g.own(b, opType)], {}, 'bool', broadcastShapes(opType, a.shape, b.shape));
}

/** Boolean `Not`. */
export function not(g: GraphCore, a: Tensor): Tensor {
  if (a.dtype !== 'bool') throw new GlimpseError('bad_argument', `not: '${a.name}' must be bool`);
  return g.node1('Not', [g.own(a, 'not')], {}, 'bool', a.shape);
}

registerNoGradient('Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'Shape', 'Size', 'ConstantOfShape', 'Range', 'ArgMax', 'ArgMin');
