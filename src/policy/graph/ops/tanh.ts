/** Tanh. Gradient: `dy * (1 - y²)`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function tanh(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Tanh', x, 'tanh');
}

registerGradient('Tanh', ({ g, y, dy }) => [g.mul(dy[0]!, g.sub(1, g.mul(y[0]!, y[0]!)))]);
