/** Erf (Gauss error function, used by exact GELU). Gradient: `dy * 2/√π * exp(-x²)`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function erf(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Erf', x, 'erf');
}

registerGradient('Erf', ({ g, x, dy }) => [g.mul(g.mul(dy[0]!, 2 / Math.sqrt(Math.PI)), g.exp(g.neg(g.mul(x[0]!, x[0]!))))]);
