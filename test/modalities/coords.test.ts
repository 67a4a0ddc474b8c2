import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coordinateMapFromRecord, createCoordinateMap, CoordsRecordSchema, type CoordSpace } from '../../modalities/coords.js';

const size = fc.tuple(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }));
const space = fc.constantFrom<CoordSpace>('pixel', 'norm1000', 'norm1');
const coord = fc.double({ min: -1e5, max: 1e5, noNaN: true });

describe('CoordinateMap', () => {
  it('maps input pixels to original pixels by the resize ratio', () => {
    const m = createCoordinateMap({ original: [1280, 960], input: [640, 480], space: 'pixel' });
    expect(m.boxToOriginal([10, 20, 100, 200])).toEqual([20, 40, 200, 400]);
    expect(m.toOriginal([320, 240])).toEqual([640, 480]);
  });

  it('maps norm1000 and norm1 over the input to the original', () => {
    const a = createCoordinateMap({ original: [2000, 1000], input: [644, 476], space: 'norm1000' });
    expect(a.boxToOriginal([0, 0, 1000, 1000])).toEqual([0, 0, 2000, 1000]);
    expect(a.toOriginal([500, 250])).toEqual([1000, 250]);
    const b = createCoordinateMap({ original: [2000, 1000], space: 'norm1' });
    expect(b.toOriginal([0.25, 0.5])).toEqual([500, 500]);
  });

  it('maps a crop region: input pixel 0 is the region corner', () => {
    const m = createCoordinateMap({ original: [1000, 1000], input: [100, 100], region: [200, 300, 400, 500] });
    expect(m.toOriginal([0, 0])).toEqual([200, 300]);
    expect(m.toOriginal([100, 100])).toEqual([400, 500]);
  });

  it('round-trips points and boxes in every space (property)', () => {
    fc.assert(
      fc.property(size, size, space, coord, coord, (orig, input, sp, x, y) => {
        const m = createCoordinateMap({ original: orig, input, space: sp });
        const [u, v] = m.toOriginal(m.fromOriginal([x, y]));
        const tol = 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
        expect(Math.abs(u - x)).toBeLessThanOrEqual(tol);
        expect(Math.abs(v - y)).toBeLessThanOrEqual(tol);
        const b = m.boxFromOriginal(m.boxToOriginal([x, y, x + 1, y + 1]));
        expect(Math.abs(b[0] - x)).toBeLessThanOrEqual(tol * 1e3);
      }),
    );
  });

  it('rejects absurd sizes and regions with a message naming the argument', () => {
    expect(() => createCoordinateMap({ original: [0, 10] })).toThrow(/original/);
    expect(() => createCoordinateMap({ original: [10, 10], input: [NaN, 10] })).toThrow(/input/);
    expect(() => createCoordinateMap({ original: [10, 10], input: [-5, 10] })).toThrow(/input/);
    expect(() => createCoordinateMap({ original: [10, 10], region: [5, 5, 5, 9] })).toThrow(/region/);
    expect(() => createCoordinateMap({ original: [10, 10], space: 'weird' as CoordSpace })).toThrow(/space/);
  });

  it('reads the record form and rejects unknown keys', () => {
    const rec = CoordsRecordSchema.parse({ image_size: [800, 600], input_size: [400, 300] });
    expect(coordinateMapFromRecord(rec).boxToOriginal([0, 0, 400, 300])).toEqual([0, 0, 800, 600]);
    expect(coordinateMapFromRecord(rec, 'norm1000').toOriginal([1000, 1000])).toEqual([800, 600]);
    expect(CoordsRecordSchema.safeParse({ image_size: [800, 600], bogus: 1 }).success).toBe(false);
    expect(CoordsRecordSchema.safeParse({ image_size: [0, 600] }).success).toBe(false);
  });
});
