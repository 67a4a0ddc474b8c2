/** Unsqueeze: insert size-1 `axes` (positions in the output). Gradient: `dy` reshaped back (free). */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Tensor, normAxis } from '../tensor.js';

export function unsqueeze(g: GraphCore, x: Tensor, axes: readonly number[]): Tensor {
  g.own(x, 'unsqueeze');
  const rank = x.rank + axes.length;
  const ax = axes.map((a) => normAxis(a, rank, 'unsqueeze'));
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(ax.includes(i) ? 1 : x.shape[k++]!);
  return g.node1('Unsqueeze', [x, g.int64s(ax)], {}, x.dtype, out);
}

registerGradient('Unsqueeze', ({ g, x, dy }) => [g.reshapeLike(dy[0]!, x[0]!)]);
