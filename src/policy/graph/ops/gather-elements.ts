/**
 * GatherElements along `axis` (`indices` has the rank of `x`): e.g. per-token log-probabilities
 * `gatherElements(logprobs [B, T, V], targets [B, T, 1], -1) -> [B, T, 1]`.
 * Gradient: ScatterElements with `reduction="add"` into zeros.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { zerosLike } from './grad-util.js';

export function gatherElements(g: GraphCore, x: Tensor, indices: Tensor, axis: number): Tensor {
  g.own(x, 'gatherElements');
  g.own(indices, 'gatherElements');
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new GlimpseError('bad_argument', `gatherElements: indices must be int64 or int32, got ${indices.dtype}`);
  if (indices.rank !== x.rank) throw new GlimpseError('bad_argument', `gatherElements: indices rank ${indices.rank} differs from data rank ${x.rank}`);
  const a = normAxis(axis, x.rank, 'gatherElements');
  return g.node1('GatherElements', [x, indices], { axis: a }, x.dtype, indices.shape);
}

registerGradient('GatherElements', ({ g, x, dy, attrs, needs }) => [
  needs[0] ? g.scatterElements(zerosLike(g, x[0]!), x[1]!, dy[0]!, attrs.axis as number, 'add') : undefined,
]);
