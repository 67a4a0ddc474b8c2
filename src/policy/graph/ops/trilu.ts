/** Trilu: keep the upper (or lower) triangle of the last two axes, diagonal offset `k`. Gradient: same mask on `dy`. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';

export function trilu(g: GraphCore, x: Tensor, upper: boolean, k = 0): Tensor {
  g.own(x, 'trilu');
  if (x.rank < 2) throw new GlimpseError('bad_argument', `trilu: '${x.name}' needs rank >= 2`);
  return g.node1('Trilu', [x, k === 0 ? undefined : g.constant([k], 'int64', [])], { upper: upper ? 1 : 0 }, x.dtype, x.shape);
}

registerGradient('Trilu', ({ g, x, dy, attrs }) => [g.node1('Trilu', [dy[0]!, x[1]], { upper: attrs.upper as number }, dy[0]!.dtype, dy[0]!.shape)]);
