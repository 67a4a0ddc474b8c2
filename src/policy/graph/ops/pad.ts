/**
 * Pad with a constant (`pads` = [begin_0, ..., begin_n, end_0, ..., end_n], non-negative).
 * Gradient: the un-padded window of `dy` (one Slice).
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import type { Dim, Shape, Tensor } from '../tensor.js';
import { freshDim } from './common.js';

export function pad(g: GraphCore, x: Tensor, pads: readonly number[], value = 0): Tensor {
  g.own(x, 'pad');
  if (pads.length !== 2 * x.rank || pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new GlimpseError('bad_argument', `pad: pads must be ${2 * x.rank} non-negative integers, got [${pads.join(', ')}]`);
  }
  const shape: Dim[] = x.shape.map((d, i) => {
    const p = pads[i]! + pads[i + x.rank]!;
    if (p === 0) return d;
    return typeof d === 'number' ? d + p : freshDim();
  });
  return g.node1('Pad', [x, g.int64s(pads), value === 0 ? undefined : g.scalar(value, x.dtype)], { mode: 'constant' }, x.dtype, shape);
}

/** Pad with run-time int64 pads (zeros); `outShape` is declared. */
export function padDynamic(g: GraphCore, x: Tensor, pads: Tensor, outShape: Shape): Tensor {
  return g.node1('Pad', [g.own(x, 'padDynamic'), pads], { mode: 'constant' }, x.dtype, outShape);
}

registerGradient('Pad', ({ g, x, dy }) => {
  const xx = x[0]!;
  const pads = g.constValue(x[1]!);
  if (!pads) throw new GlimpseError('unsupported', 'Pad gradient: pads must be a constant');
  const begin = pads.slice(0, xx.rank);
  const axes = xx.shape.map((_, i) => i);
  if (xx.shape.every((d) => typeof d === 'number')) {
    return [g.slice(dy[0]!, begin, begin.map((b, i) => b + (xx.shape[i] as number)), axes)];
  }
  const b = g.int64s(begin);
  return [g.node1('Slice', [dy[0]!, b, g.add(b, g.shapeOf(xx)), g.int64s(axes)], {}, xx.dtype, xx.shape)];
});
