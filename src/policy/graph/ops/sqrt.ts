/** Sqrt: `y = √x`. Gradient: `dy / (2y)`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function sqrt(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Sqrt', x, 'sqrt');
}

registerGradient('Sqrt', ({ g, y, dy }) => [g.div(g.mul(dy[0]!, 0.5), y[0]!)]);
