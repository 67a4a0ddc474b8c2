/**
 * Transpose by `perm` (default: reverse); a transpose of a transpose is folded into one.
 * Gradient: `dy` transposed by the inverse permutation.
 */
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
  // Fold a transpose of a transpose into one (keeps the backward graph free of copy chains).
  const prod = g.producer.get(x.name);
  if (prod && prod.opType === 'Transpose' && !prod.noGrad) {
    const inner = prod.attrs.perm as number[];
    const src = g.values.get(prod.inputs[0]!)!;
    const composed = p.map((i) => inner[i]!);
    if (composed.every((v, i) => v === i)) return src;
    return g.node1('Transpose', [src], { perm: composed }, x.dtype, composed.map((i) => src.shape[i]!));
  }
  return g.node1('Transpose', [x], { perm: p }, x.dtype, p.map((i) => x.shape[i]!));
}

registerGradient('Transpose', ({ g, dy, attrs }) => {
  const perm = attrs.perm as number[];
  const inv = perm.map((_, i) => perm.indexOf(i));
  return [g.transpose(dy[0]!, inv)];
});
