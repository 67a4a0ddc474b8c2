/** Shared by ReduceSum / ReduceMean / ReduceMax: emission (opset-aware) and the axes of a node. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphBuilder } from '../builder.js';
import type { GraphCore } from '../core.js';
import type { GradContext } from '../registry.js';
import { type Dim, type Tensor, normAxis } from '../tensor.js';

/** Emits a Reduce* node; `axes` undefined reduces every axis. Axes go in as an input where the opset allows. */
export function reduce(g: GraphCore, opType: string, x: Tensor, axes: readonly number[] | undefined, keepdims: boolean, op: string): Tensor {
  g.own(x, op);
  const all = x.shape.map((_, i) => i);
  const ax = axes === undefined ? all : [...new Set(axes.map((a) => normAxis(a, x.rank, op)))].sort((p, q) => p - q);
  if (axes !== undefined && axes.length === 0) throw new GlimpseError('bad_argument', `${op}: empty axes (omit axes to reduce everything)`);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  const asInput = opType === 'ReduceSum' || g.opset >= 18;
  return g.node1(opType, asInput ? [x, g.int64s(ax)] : [x], { keepdims: keepdims ? 1 : 0, ...(asInput ? {} : { axes: ax }) }, x.dtype, shape);
}

/** Normalised axes of a reduce node. */
export function nodeAxes(ctx: GradContext): number[] {
  const x = ctx.x[0]!;
  const raw = ctx.x[1] ? ctx.g.constValue(ctx.x[1]) : (ctx.attrs.axes as number[] | undefined);
  if (ctx.x[1] && !raw) throw new GlimpseError('unsupported', `${ctx.node.opType} gradient: axes must be a constant`);
  const ax = raw ?? x.shape.map((_, i) => i);
  return ax.map((a) => (a < 0 ? a + x.rank : a));
}

/** `dy` of a reduction brought back to the rank of `x` (size-1 reduced axes). */
export function keepDims(g: GraphBuilder, t: Tensor, axes: number[], keepdims: boolean): Tensor {
  return keepdims ? t : g.unsqueeze(t, axes);
}
