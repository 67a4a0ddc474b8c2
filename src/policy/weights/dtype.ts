/**
 * Safetensors element types and the conversions glimpse needs between them.
 *
 * Tensors are kept in their stored width: F16 and BF16 as raw `Uint16Array` bit patterns (Node 20
 * has no `Float16Array`), I64 as `BigInt64Array`, BOOL as `Uint8Array` of 0/1. {@link toFloat32}
 * widens any floating or integer tensor to float32 for computation; {@link fromFloat32} narrows
 * back with round-to-nearest-even, as PyTorch's `.to(torch.float16 / torch.bfloat16)` does.
 */
import { GlimpseError } from '../../util/errors.js';

const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** The safetensors dtype names glimpse reads and writes (spelling of the format). */
export const DTYPES = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'] as const;
export type DType = (typeof DTYPES)[number];

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** The typed array that holds each dtype in memory. */
export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** A dense, row-major tensor with its stored dtype. `data.length` equals the product of `shape`. */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

/** Product of the dimensions (1 for a scalar, 0 when any dimension is 0). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Views `bytes` (little-endian, as stored in a safetensors file) as the typed array of `dtype`.
 * The bytes are copied into a fresh, aligned buffer, so `bytes` may sit at any offset — unless
 * `owned` is true (the caller hands over a buffer nobody else uses) and they are aligned, in
 * which case they are viewed without a copy.
 */
export function typedFromBytes(dtype: DType, bytes: Uint8Array, owned = false): TensorData {
  if (BIG_ENDIAN && DTYPE_SIZE[dtype] > 1) throw new GlimpseError('unsupported', 'safetensors: big-endian hosts are not supported');
  const size = DTYPE_SIZE[dtype];
  let copy: Uint8Array;
  if (owned && bytes.byteOffset % size === 0) copy = bytes;
  else {
    copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
  }
  const buf = copy.buffer;
  const at = copy.byteOffset;
  const n = bytes.byteLength / size;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf, at, n);
    case 'F32':
      return new Float32Array(buf, at, n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf, at, n);
    case 'I64':
      return new BigInt64Array(buf, at, n);
    case 'I32':
      return new Int32Array(buf, at, n);
    case 'I16':
      return new Int16Array(buf, at, n);
    case 'I8':
      return new Int8Array(buf, at, n);
    case 'U8':
    case 'BOOL':
      return copy;
  }
}

/** The little-endian bytes of a tensor's data (a view, no copy). */
export function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Checks that `data` is the typed array that holds `dtype`; returns the reason when it is not. */
export function dataMatchesDType(dtype: DType, data: TensorData): boolean {
  switch (dtype) {
    case 'F64':
      return data instanceof Float64Array;
    case 'F32':
      return data instanceof Float32Array;
    case 'F16':
    case 'BF16':
      return data instanceof Uint16Array;
    case 'I64':
      return data instanceof BigInt64Array;
    case 'I32':
      return data instanceof Int32Array;
    case 'I16':
      return data instanceof Int16Array;
    case 'I8':
      return data instanceof Int8Array;
    case 'U8':
    case 'BOOL':
      return data instanceof Uint8Array;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits -> number (exact). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/**
 * number -> IEEE 754 binary16 bits, rounding the float32 value to nearest-even (overflow gives
 * infinity, NaN gives the quiet NaN 0x7e00), like PyTorch's float -> half conversion.
 */
export function numberToF16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  // Unbiased exponent of the float32 value.
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00; // overflow (values that round past 65504 handled below too)
  if (e >= -14) {
    // Normal half: keep 10 mantissa bits, round to nearest even on the dropped 13.
    let h = ((e + 15) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // may carry into the exponent: still correct (up to inf)
    return sign | h;
  }
  if (e < -25) return sign; // below half the smallest subnormal: rounds to zero
  // Subnormal half: value = m * 2^-24 with m = full mantissa (with hidden bit) shifted.
  const full = mant | 0x800000;
  const shift = -e - 14 + 13; // bits to drop: between 14 and 24
  let h = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (h & 1) === 1)) h += 1;
  return sign | h;
}

/** bfloat16 bits -> number (exact: the upper half of a float32). */
export function bf16BitsToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/** number -> bfloat16 bits with round-to-nearest-even of the float32 value; NaN -> 0x7fc0. */
export function numberToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** Widens any tensor to float32 (F64 is rounded, integers converted, BOOL -> 0/1). */
export function toFloat32(t: Tensor): Float32Array {
  const { data } = t;
  if (t.dtype === 'F32') return data as Float32Array;
  const n = data.length;
  const out = new Float32Array(n);
  if (t.dtype === 'F16') {
    const src = data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = f16BitsToNumber(src[i]!);
  } else if (t.dtype === 'BF16') {
    const src = data as Uint16Array;
    const o32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) o32[i] = src[i]! << 16;
  } else if (t.dtype === 'I64') {
    const src = data as BigInt64Array;
    for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
  } else {
    const src = data as Exclude<TensorData, BigInt64Array>;
    for (let i = 0; i < n; i++) out[i] = src[i]!;
  }
  return out;
}

/**
 * Builds a floating tensor of `dtype` (F32, F16, BF16 or F64) from float32 values. Narrowing uses
 * round-to-nearest-even. Other dtypes are a `GlimpseError('unsupported')`.
 */
export function fromFloat32(values: Float32Array, shape: number[], dtype: DType = 'F32'): Tensor {
  const n = values.length;
  if (numel(shape) !== n) throw new GlimpseError('bad_argument', `fromFloat32: shape [${shape.join(', ')}] holds ${numel(shape)} elements, got ${n} values`);
  switch (dtype) {
    case 'F32':
      return { dtype, shape: [...shape], data: values };
    case 'F64':
      return { dtype, shape: [...shape], data: Float64Array.from(values) };
    case 'F16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = numberToF16Bits(values[i]!);
      return { dtype, shape: [...shape], data: out };
    }
    case 'BF16': {
      const out = new Uint16Array(n);
      const src = new Uint32Array(values.buffer, values.byteOffset, n);
      for (let i = 0; i < n; i++) {
        const bits = src[i]!;
        if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) out[i] = ((bits >>> 16) & 0x8000) | 0x7fc0;
        else out[i] = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
      }
      return { dtype, shape: [...shape], data: out };
    }
    default:
      throw new GlimpseError('unsupported', `fromFloat32: cannot convert float32 values to ${dtype}; use F32, F16, BF16 or F64`);
  }
}
