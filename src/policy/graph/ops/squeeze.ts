/** Squeeze size-1 `axes`. Gradient: `dy` reshaped back (free). */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';

export function squeeze(g: GraphCore, x: Tensor, axes: readonly number[]): Tensor {
  g.own(x, 'squeeze');
  const ax = axes.map((a) => normAxis(a, x.rank, 'squeeze'));
  for (const a of ax) {
    const d = x.shape[a]!;
    if (typeof d === 'number' && d !== 1) throw new GlimpseError('bad_argument', `squeeze: axis ${a} of '${x.name}' has size ${d}, not 1`);
  }
  return g.node1('Squeeze', [x, g.int64s(ax)], {}, x.dtype, x.shape.filter((_, i) => !ax.includes(i)));
}

registerGradient('Squeeze', ({ g, x, dy }) => [g.reshapeLike(dy[0]!, x[0]!)]);
