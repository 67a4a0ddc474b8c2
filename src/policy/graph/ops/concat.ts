/**
 * Concat along `axis`. Gradient: `dy` split back into pieces (one Split when the sizes are static,
 * else Slices at run-time offsets).
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Tensor, normAxis } from '../tensor.js';
import { freshDim } from './common.js';

export function concat(g: GraphCore, xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new GlimpseError('bad_argument', 'concat: no inputs');
  const first = g.own(xs[0]!, 'concat');
  const a = normAxis(axis, first.rank, 'concat');
  let total: Dim = 0;
  for (const t of xs) {
    g.own(t, 'concat');
    if (t.rank !== first.rank || t.dtype !== first.dtype) throw new GlimpseError('bad_argument', `concat: '${t.name}' (${t.dtype}, rank ${t.rank}) does not match '${first.name}' (${first.dtype}, rank ${first.rank})`);
    const d = t.shape[a]!;
    total = typeof total === 'number' && typeof d === 'number' ? total + d : freshDim();
  }
  if (xs.length === 1) return first;
  const shape = first.shape.map((d, i) => (i === a ? total : d));
  return g.node1('Concat', xs, { axis: a }, first.dtype, shape);
}

registerGradient('Concat', ({ g, x, dy, needs, attrs }) => {
  const axis = attrs.axis as number;
  const sizes = x.map((t) => t!.shape[axis]!);
  if (sizes.every((s) => typeof s === 'number')) {
    const parts = g.split(dy[0]!, sizes as number[], axis);
    return parts.map((p, i) => (needs[i] ? p : undefined));
  }
  let start = g.int64s([0]);
  return x.map((t, i) => {
    const end = g.add(start, g.dimOf(t!, axis));
    const piece = needs[i] ? g.sliceDynamic(dy[0]!, start, end, axis, t!.shape) : undefined;
    start = end;
    return piece;
  });
});
