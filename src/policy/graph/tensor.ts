/**
 * Symbolic tensors of the graph builder: a name in one graph, an element type and a (partly
 * symbolic) shape. A dimension is a number (static) or a string (a named symbolic dimension such
 * as `'batch'`; two dimensions with the same name are the same size).
 */
import { GlimpseError } from '../../util/errors.js';

/** Element types the builder emits (ONNX TensorProto.DataType names in lower case). */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** One dimension: static size, or a symbolic name. */
export type Dim = number | string;
/** A shape: one Dim per axis; `[]` is a scalar. */
export type Shape = readonly Dim[];

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
};

/** Bytes per element. */
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1,
};

export const FLOAT_DTYPES: ReadonlySet<DType> = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** True for the floating-point types (the only ones that carry gradients). */
export function isFloat(d: DType): boolean {
  return FLOAT_DTYPES.has(d);
}

/** The owner of a tensor: just enough of the graph for a Tensor to point back at it. */
export interface TensorOwner {
  readonly id: number;
}

/**
 * A symbolic tensor: a value of one graph. Create tensors with the GraphBuilder
 * (`g.input`, `g.initializer`, `g.constant`, ops); never by hand.
 */
export class Tensor {
  constructor(
    readonly graph: TensorOwner,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements when every dimension is static, else undefined. */
  get size(): number | undefined {
    let n = 1;
    for (const d of this.shape) {
      if (typeof d !== 'number') return undefined;
      n *= d;
    }
    return n;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.join(', ')}]`;
  }
}

/** Normalises a possibly negative axis against a rank; throws naming the op on range errors. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new GlimpseError('bad_argument', `${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** True when two dims are known to be equal (same number, or same symbol). */
export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

/** Formats a shape for error messages. */
export function fmtShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}
