/**
 * Identity, and stopGradient (an Identity the autodiff does not cross: the value is used as a
 * constant, e.g. GRPO's old log-probabilities or a detached baseline).
 */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';

export function identity(g: GraphCore, x: Tensor): Tensor {
  return g.node1('Identity', [g.own(x, 'identity')], {}, x.dtype, x.shape);
}

/** `x` as a value with no gradient (autodiff stops here). */
export function stopGradient(g: GraphCore, x: Tensor): Tensor {
  return g.node1('Identity', [g.own(x, 'stopGradient')], {}, x.dtype, x.shape, { noGrad: true });
}

registerGradient('Identity', ({ dy }) => [dy[0]]);
