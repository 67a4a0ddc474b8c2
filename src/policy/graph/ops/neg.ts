/** Neg: `y = -x`. Gradient: `-dy`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function neg(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Neg', x, 'neg');
}

registerGradient('Neg', ({ g, dy }) => [g.neg(dy[0]!)]);
