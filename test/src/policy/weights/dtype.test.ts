import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bf16BitsToNumber, f16BitsToNumber, fromFloat32, numberToBf16Bits, numberToF16Bits, toFloat32 } from '../../../../src/policy/weights/dtype.js';
import { GlimpseError } from '../../../../src/util/errors.js';

// Values and the bits PyTorch 1.13 gives for `torch.tensor(vals, dtype=float32).to(float16 / bfloat16)`
// (checked once with test/src/policy/weights/python/st_crosscheck.py).
const VALS = [0.0, -0.0, 1.0, -2.5, 3.14159265, 65504.0, 65520.0, 1e-8, 6e-8, 1e-5, 1e30, -1e-30, Infinity, -Infinity, 0.1, 1.00048828125, 1.0009765625, 3.0e-5];
const F16 = [0x0, 0x8000, 0x3c00, 0xc100, 0x4248, 0x7bff, 0x7c00, 0x0, 0x1, 0xa8, 0x7c00, 0x8000, 0x7c00, 0xfc00, 0x2e66, 0x3c00, 0x3c01, 0x1f7];
const BF16 = [0x0, 0x8000, 0x3f80, 0xc020, 0x4049, 0x4780, 0x4780, 0x322c, 0x3381, 0x3728, 0x714a, 0x8da2, 0x7f80, 0xff80, 0x3dcd, 0x3f80, 0x3f80, 0x37fc];

describe('fp16 / bf16 conversion', () => {
  it('matches PyTorch bits on edge values (ties to even, overflow, subnormals, signed zero)', () => {
    expect(VALS.map(numberToF16Bits)).toEqual(F16);
    expect(VALS.map(numberToBf16Bits)).toEqual(BF16);
    expect(Array.from(fromFloat32(new Float32Array(VALS), [VALS.length], 'F16').data as Uint16Array)).toEqual(F16);
    expect(Array.from(fromFloat32(new Float32Array(VALS), [VALS.length], 'BF16').data as Uint16Array)).toEqual(BF16);
  });

  it('decodes hand-computed bit patterns', () => {
    expect(f16BitsToNumber(0x3c00)).toBe(1);
    expect(f16BitsToNumber(0x7bff)).toBe(65504);
    expect(f16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(f16BitsToNumber(0x0400)).toBe(2 ** -14);
    expect(f16BitsToNumber(0xc000)).toBe(-2);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    expect(f16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(f16BitsToNumber(0x7e00)).toBeNaN();
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(0xc020)).toBe(-2.5);
    expect(bf16BitsToNumber(0x7fc0)).toBeNaN();
  });

  it('NaN stays NaN and keeps its sign', () => {
    expect(f16BitsToNumber(numberToF16Bits(NaN))).toBeNaN();
    expect(bf16BitsToNumber(numberToBf16Bits(NaN))).toBeNaN();
    expect(numberToBf16Bits(NaN)).toBe(0x7fc0);
    expect(numberToF16Bits(NaN)).toBe(0x7e00);
  });

  it('every finite f16 / bf16 bit pattern survives decode -> encode', () => {
    const bad: string[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const x = f16BitsToNumber(b);
      if (!Number.isNaN(x) && numberToF16Bits(x) !== b) bad.push(`f16 0x${b.toString(16)}`);
      const y = bf16BitsToNumber(b);
      if (!Number.isNaN(y) && numberToBf16Bits(y) !== b) bad.push(`bf16 0x${b.toString(16)}`);
    }
    expect(bad).toEqual([]);
  });

  it('rounds to the nearest representable value (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -60000, max: 60000 }), (x) => {
        const h = f16BitsToNumber(numberToF16Bits(x));
        // neighbours of h must not be strictly closer
        const hb = numberToF16Bits(x);
        for (const nb of [hb + 1, hb - 1]) {
          if (nb < 0 || nb > 0xffff) continue;
          const v = f16BitsToNumber(nb);
          if (Number.isFinite(v) && Math.sign(v) === Math.sign(h)) expect(Math.abs(v - x)).toBeGreaterThanOrEqual(Math.abs(h - x));
        }
        const b = bf16BitsToNumber(numberToBf16Bits(x));
        expect(Math.abs(b - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -8, 2 ** -133));
      }),
    );
  });

  it('toFloat32 widens every dtype', () => {
    expect(Array.from(toFloat32({ dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc100]) }))).toEqual([1, -2.5]);
    expect(Array.from(toFloat32({ dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0xc020]) }))).toEqual([1, -2.5]);
    expect(Array.from(toFloat32({ dtype: 'I64', shape: [2], data: new BigInt64Array([-3n, 5n]) }))).toEqual([-3, 5]);
    expect(Array.from(toFloat32({ dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }))).toEqual([1, 0]);
    expect(Array.from(toFloat32({ dtype: 'F64', shape: [1], data: new Float64Array([0.1]) }))).toEqual([Math.fround(0.1)]);
    expect(Array.from(toFloat32({ dtype: 'I8', shape: [1], data: new Int8Array([-128]) }))).toEqual([-128]);
  });

  it('fromFloat32 rejects a wrong shape and integer targets', () => {
    expect(() => fromFloat32(new Float32Array(3), [2, 2])).toThrow(GlimpseError);
    expect(() => fromFloat32(new Float32Array(3), [3], 'I32')).toThrow(/cannot convert/);
  });
});
