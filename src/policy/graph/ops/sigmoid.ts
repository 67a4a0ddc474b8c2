/** Sigmoid: `y = 1 / (1 + e⁻ˣ)`. Gradient: `dy * y * (1 - y)`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function sigmoid(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Sigmoid', x, 'sigmoid');
}

registerGradient('Sigmoid', ({ g, y, dy }) => [g.mul(g.mul(dy[0]!, y[0]!), g.sub(1, y[0]!))]);
