/** Sin. Gradient: `dy * cos x`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function sin(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Sin', x, 'sin');
}

registerGradient('Sin', ({ g, x, dy }) => [g.mul(dy[0]!, g.cos(x[0]!))]);
