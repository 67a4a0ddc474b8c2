/** Sum of several tensors (broadcasting). Gradient: `dy` summed back to each input. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { broadcastShapes } from './common.js';
import { unbroadcast } from './grad-util.js';

export function sum(g: GraphCore, xs: readonly Tensor[]): Tensor {
  if (xs.length === 0) throw new GlimpseError('bad_argument', 'sum: no inputs');
  xs.forEach((t) => g.own(t, 'sum'));
  if (xs.length === 1) return xs[0]!;
  if (xs.some((t) => t.dtype !== xs[0]!.dtype)) throw new GlimpseError('bad_argument', 'sum: dtypes differ');
  return g.node1('Sum', xs, {}, xs[0]!.dtype, broadcastShapes('sum', ...xs.map((t) => t.shape)));
}

registerGradient('Sum', ({ g, x, dy, needs }) => x.map((t, i) => (needs[i] ? unbroadcast(g, dy[0]!, t!, 'Sum') : undefined)));
