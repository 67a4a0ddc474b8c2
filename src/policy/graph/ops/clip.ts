/** Clip to `[min, max]` (either bound optional). Gradient: `dy` where `min <= x <= max`, else 0. */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Tensor } from '../tensor.js';

export function clip(g: GraphCore, x: Tensor, min?: number, max?: number): Tensor {
  g.own(x, 'clip');
  const lo = min === undefined ? undefined : g.scalar(min, x.dtype);
  const hi = max === undefined ? undefined : g.scalar(max, x.dtype);
  return g.node1('Clip', [x, lo, hi], {}, x.dtype, x.shape);
}

registerGradient('Clip', ({ g, x, dy }) => {
  let inside = undefined as Tensor | undefined;
  if (x[1]) inside = g.greaterOrEqual(x[0]!, x[1]);
  if (x[2]) {
    const le = g.lessOrEqual(x[0]!, x[2]);
    inside = inside ? g.and(inside, le) : le;
  }
  return [inside ? g.where(inside, dy[0]!, g.scalar(0, dy[0]!.dtype)) : dy[0]];
});
