/** Relu: `y = max(x, 0)`. Gradient: `dy` where `x > 0`, else 0. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function relu(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Relu', x, 'relu');
}

registerGradient('Relu', ({ g, x, dy }) => [g.where(g.greater(x[0]!, 0), dy[0]!, g.scalar(0, dy[0]!.dtype))]);
