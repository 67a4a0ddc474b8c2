/**
 * Gather along `axis` with integer indices (embeddings: `gather(table [V, D], ids [B, T]) -> [B, T, D]`).
 * Gradient into the table: ScatterND with `reduction="add"` into zeros (repeated ids accumulate);
 * for `axis != 0` the table is transposed so that `axis` comes first. No gradient into the indices.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { zerosLike } from './grad-util.js';

export function gather(g: GraphCore, x: Tensor, indices: Tensor, axis = 0): Tensor {
  g.own(x, 'gather');
  g.own(indices, 'gather');
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new GlimpseError('bad_argument', `gather: indices '${indices.name}' must be int64 or int32, got ${indices.dtype}`);
  const a = normAxis(axis, x.rank, 'gather');
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return g.node1('Gather', [x, indices], { axis: a }, x.dtype, shape);
}

registerGradient('Gather', ({ g, x, dy, attrs, needs }) => {
  if (!needs[0]) return [];
  const [table, idx] = [x[0]!, x[1]!];
  const axis = (attrs.axis as number | undefined) ?? 0;
  const ri = idx.rank;
  const idx64 = g.unsqueeze(idx.dtype === 'int64' ? idx : g.cast(idx, 'int64'), [-1]);
  if (axis === 0) return [g.scatterND(zerosLike(g, table), idx64, dy[0]!, 'add')];
  const r = table.rank;
  const permX = [axis, ...Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis)];
  const tT = g.transpose(table, permX);
  const permDy = [
    ...Array.from({ length: ri }, (_, i) => axis + i),
    ...Array.from({ length: axis }, (_, i) => i),
    ...Array.from({ length: r - axis - 1 }, (_, i) => axis + ri + i),
  ];
  const acc = g.scatterND(zerosLike(g, tT), idx64, g.transpose(dy[0]!, permDy), 'add');
  return [g.transpose(acc, permX.map((_, i) => permX.indexOf(i)))];
});
