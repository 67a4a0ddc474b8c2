/** Log (natural): `y = ln x`. Gradient: `dy / x`. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { unaryFloat } from './common.js';

export function log(g: GraphCore, x: Tensor): Tensor {
  return unaryFloat(g, 'Log', x, 'log');
}

registerGradient('Log', ({ g, x, dy }) => [g.div(dy[0]!, x[0]!)]);
