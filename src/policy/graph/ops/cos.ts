/** Cos. Gradient: `-dy * sin x`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function cos(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Cos', x, 'cos');
}

registerGradient('Cos', ({ g, x, dy }) => [g.neg(g.mul(dy[0]!, g.sin(x[0]!)))]);
