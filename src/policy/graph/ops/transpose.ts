/** Transpose by `perm` (default: reverse). Gradient: `dy` transposed by the inverse permutation. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';

export function transpose(g: GraphCore, x: Tensor, perm?: readonly number[]): Tensor {
  g.own(x, 'transpose');
  const p = perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i);
  const sorted = [...p].sort((a, b) => a - b);
  if (p.length !== x.rank || sorted.some((v, i) => v !== i)) throw new GlimpseError('bad_argument', `transpose: [${p.join(', ')}] is not a permutation of ${x.rank} axes`);
  if (p.every((v, i) => v === i)) return x;
  return g.node1('Transpose', [x], { perm: p }, x.dtype, p.map((i) => x.shape[i]!));
}

registerGradient('Transpose', ({ g, dy, attrs }) => {
  const perm = attrs.perm as number[];
  const inv = perm.map((_, i) => perm.indexOf(i));
  return [g.transpose(dy[0]!, inv)];
});
