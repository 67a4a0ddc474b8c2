/** Helpers shared by the op files: scalar lifting and broadcast shape inference. */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { type DType, type Dim, type Shape, Tensor, fmtShape } from '../tensor.js';

/** A tensor, or a JavaScript number promoted to a scalar constant of the other operand's dtype. */
export type TensorLike = Tensor | number;

/** Lifts a number to a scalar constant of `dtype`. */
export function lift(g: GraphCore, x: TensorLike, dtype: DType, op: string): Tensor {
  if (typeof x === 'number') return g.scalar(x, dtype);
  return g.own(x, op);
}

/** Lifts a pair for a binary op; the tensor operand decides the dtype. */
export function liftPair(g: GraphCore, a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new GlimpseError('bad_argument', `${op}: at least one operand must be a tensor`);
  const dtype = typeof a === 'number' ? (b as Tensor).dtype : a.dtype;
  const ta = lift(g, a, dtype, op);
  const tb = lift(g, b, dtype, op);
  if (ta.dtype !== tb.dtype) throw new GlimpseError('bad_argument', `${op}: dtypes differ ('${ta.name}' is ${ta.dtype}, '${tb.name}' is ${tb.dtype}); cast first`);
  return [ta, tb];
}

let fresh = 0;
/** A fresh unknown dimension name (never equal to another). */
export function freshDim(): string {
  return `?${fresh++}`;
}

/** Numpy-style broadcast of shapes. Two different symbols are assumed equal (the first wins). */
export function broadcastShapes(op: string, ...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const e = s[s.length - rank + i];
      if (e === undefined || e === 1 || e === d) continue;
      if (d === 1) d = e;
      else if (typeof d === 'number' && typeof e === 'number') {
        throw new GlimpseError('bad_argument', `${op}: shapes ${shapes.map(fmtShape).join(' and ')} do not broadcast (axis ${i}: ${d} vs ${e})`);
      } else if (typeof d === 'string' && typeof e === 'number') d = e;
    }
    out.push(d);
  }
  return out;
}

/** Product of static dims, undefined if any is symbolic. */
export function staticSize(dims: Shape): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/** Throws unless `x` is a float tensor of this graph. */
export function requireFloat(g: GraphCore, x: Tensor, op: string): Tensor {
  g.own(x, op);
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(x.dtype)) {
    throw new GlimpseError('bad_argument', `${op}: '${x.name}' is ${x.dtype}; a float tensor is required`);
  }
  return x;
}

/** Emits an elementwise unary op on a float tensor. */
export function unaryFloat(g: GraphCore, opType: string, x: Tensor, op: string): Tensor {
  requireFloat(g, x, op);
  return g.node1(opType, [x], {}, x.dtype, x.shape);
}
