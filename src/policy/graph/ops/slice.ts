/**
 * Slice with constant `starts`/`ends`/`axes`/`steps` (numpy semantics, negative = from the end),
 * or with run-time int64 bounds on one axis (`sliceDynamic`). Gradient (unit steps): `dy` zero-padded
 * back to `x`'s shape with one Pad.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Shape, type Tensor, normAxis } from '../tensor.js';
import { freshDim } from './common.js';

const BIG = 2 ** 62;

function sliceDim(d: Dim, start: number, end: number, step: number): Dim {
  if (typeof d !== 'number') {
    if (step === 1 && start === 0 && end >= BIG) return d;
    if (step === 1 && start >= 0 && end >= 0 && end < BIG) return end - start; // assumes d >= end
    return freshDim();
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const s = clamp(start < 0 ? start + d : start, 0, d);
    const e = clamp(end < 0 ? end + d : end, 0, d);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = clamp(start < 0 ? start + d : start, -1, d - 1);
  const e = clamp(end < 0 ? end + d : end, -1, d - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

export function slice(g: GraphCore, x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  g.own(x, 'slice');
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, x.rank, 'slice'));
  const st = steps ?? starts.map(() => 1);
  if (starts.length !== ends.length || ax.length !== starts.length || st.length !== starts.length) {
    throw new GlimpseError('bad_argument', 'slice: starts, ends, axes and steps must have the same length');
  }
  if (st.some((s) => s === 0 || !Number.isInteger(s))) throw new GlimpseError('bad_argument', 'slice: steps must be non-zero integers');
  const clampBig = (v: number) => Math.max(-BIG, Math.min(BIG, v));
  const shape = [...x.shape];
  ax.forEach((a, i) => {
    shape[a] = sliceDim(x.shape[a]!, clampBig(starts[i]!), clampBig(ends[i]!), st[i]!);
  });
  return g.node1('Slice', [x, g.int64s(starts.map(clampBig)), g.int64s(ends.map(clampBig)), g.int64s(ax), g.int64s(st)], {}, x.dtype, shape);
}

/** Slice one axis between run-time int64 bounds (1-element tensors); `outShape` is declared. */
export function sliceDynamic(g: GraphCore, x: Tensor, start: Tensor, end: Tensor, axis: number, outShape: Shape): Tensor {
  g.own(x, 'sliceDynamic');
  const a = normAxis(axis, x.rank, 'sliceDynamic');
  return g.node1('Slice', [x, start, end, g.int64s([a])], {}, x.dtype, outShape);
}

registerGradient('Slice', ({ g, x, dy }) => {
  const xx = x[0]!;
  const starts = g.constValue(x[1]!);
  const axes = x[3] ? g.constValue(x[3]) : starts?.map((_, i) => i);
  const steps = x[4] ? g.constValue(x[4]) : starts?.map(() => 1);
  if (!starts || !axes || !steps) throw new GlimpseError('unsupported', 'Slice gradient: starts/axes/steps must be constants (sliceDynamic has no gradient to its bounds, and its input gradient needs constant starts)');
  if (steps.some((s) => s !== 1)) throw new GlimpseError('unsupported', 'Slice gradient: only unit steps are supported');
  const before = xx.shape.map(() => 0);
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + xx.rank : a0;
    const s = starts[i]!;
    const d = xx.shape[a]!;
    if (s >= 0) before[a] = typeof d === 'number' ? Math.min(s, d) : s;
    else if (typeof d === 'number') before[a] = Math.max(0, s + d);
    else throw new GlimpseError('unsupported', `Slice gradient: negative start ${s} on symbolic axis '${d}'`);
  });
  const d = dy[0]!;
  const xs = xx.shape;
  const ys = d.shape;
  if (xs.every((v) => typeof v === 'number') && ys.every((v) => typeof v === 'number')) {
    const after = xs.map((v, i) => (v as number) - (ys[i] as number) - before[i]!);
    return [g.pad(d, [...before, ...after], 0)];
  }
  const b = g.int64s(before);
  const after = g.sub(g.sub(g.shapeOf(xx), g.shapeOf(d)), b);
  return [g.padDynamic(d, g.concat([b, after], 0), xx.shape)];
});
