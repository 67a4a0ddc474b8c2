/** Exp: `y = eˣ`. Gradient: `dy * y`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function exp(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Exp', x, 'exp');
}

registerGradient('Exp', ({ g, y, dy }) => [g.mul(dy[0]!, y[0]!)]);
