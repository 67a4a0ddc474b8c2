/** Split along `axis` into pieces of `sizes`. Gradient: Concat of the pieces' gradients (zeros where none). */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { zerosLike } from './grad-util.js';

export function split(g: GraphCore, x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  g.own(x, 'split');
  const a = normAxis(axis, x.rank, 'split');
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new GlimpseError('bad_argument', `split: bad sizes [${sizes.join(', ')}]`);
  const d = x.shape[a]!;
  const sum = sizes.reduce((p, q) => p + q, 0);
  if (typeof d === 'number' && d !== sum) throw new GlimpseError('bad_argument', `split: sizes sum to ${sum} but axis ${a} of '${x.name}' has ${d}`);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === a ? s : e)) }));
  return g.node('Split', [x, g.int64s(sizes)], { axis: a }, outs);
}

registerGradient('Split', ({ g, y, dy, attrs }) => {
  const parts = y.map((t, i) => dy[i] ?? zerosLike(g, t));
  return [g.concat(parts, attrs.axis as number)];
});
