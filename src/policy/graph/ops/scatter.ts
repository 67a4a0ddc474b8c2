/**
 * ScatterND and ScatterElements (reduction `none` or `add`): the gradients of Gather and
 * GatherElements, and useful forward ops. Gradients: GatherND / GatherElements of `dy` for the
 * updates; `dy` (add) or `dy` with the written places zeroed (none) for the data.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { zerosLike } from './grad-util.js';

export type ScatterReduction = 'none' | 'add';

export function scatterND(g: GraphCore, data: Tensor, indices: Tensor, updates: Tensor, reduction: ScatterReduction = 'none'): Tensor {
  [data, indices, updates].forEach((t) => g.own(t, 'scatterND'));
  if (indices.dtype !== 'int64') throw new GlimpseError('bad_argument', 'scatterND: indices must be int64');
  return g.node1('ScatterND', [data, indices, updates], { reduction: reduction === 'none' ? undefined : reduction }, data.dtype, data.shape);
}

export function scatterElements(g: GraphCore, data: Tensor, indices: Tensor, updates: Tensor, axis: number, reduction: ScatterReduction = 'none'): Tensor {
  [data, indices, updates].forEach((t) => g.own(t, 'scatterElements'));
  const a = normAxis(axis, data.rank, 'scatterElements');
  return g.node1('ScatterElements', [data, indices, updates], { axis: a, reduction: reduction === 'none' ? undefined : reduction }, data.dtype, data.shape);
}

/** GatherND (batch_dims 0): the updates-gradient of ScatterND. */
export function gatherND(g: GraphCore, data: Tensor, indices: Tensor): Tensor {
  const last = indices.shape[indices.rank - 1];
  if (typeof last !== 'number') throw new GlimpseError('unsupported', 'gatherND: the last axis of indices must be static');
  return g.node1('GatherND', [g.own(data, 'gatherND'), g.own(indices, 'gatherND')], {}, data.dtype, [...indices.shape.slice(0, -1), ...data.shape.slice(last)]);
}

registerGradient('ScatterND', ({ g, x, dy, needs, attrs }) => {
  const add = attrs.reduction === 'add';
  const d = dy[0]!;
  return [
    needs[0] ? (add ? d : g.scatterND(d, x[1]!, zerosLike(g, x[2]!))) : undefined,
    undefined,
    needs[2] ? g.gatherND(d, x[1]!) : undefined,
  ];
});

registerGradient('ScatterElements', ({ g, x, dy, needs, attrs }) => {
  const add = attrs.reduction === 'add';
  const d = dy[0]!;
  const axis = attrs.axis as number;
  return [
    needs[0] ? (add ? d : g.scatterElements(d, x[1]!, zerosLike(g, x[2]!), axis)) : undefined,
    undefined,
    needs[2] ? g.gatherElements(d, x[1]!, axis) : undefined,
  ];
});

registerGradient('GatherND', ({ g, x, dy, needs }) => [needs[0] ? g.scatterND(zerosLike(g, x[0]!), x[1]!, dy[0]!, 'add') : undefined]);
