import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../../src/util/rng.js';

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 50 }, () => a.nextU32());
    expect(Array.from({ length: 50 }, () => b.nextU32())).toEqual(xs);
    const saved = a.state();
    const next = Array.from({ length: 5 }, () => a.next());
    const c = new Rng(saved);
    expect(Array.from({ length: 5 }, () => c.next())).toEqual(next);
  });

  it('gives different streams for different seeds', () => {
    expect(new Rng(1).nextU32()).not.toBe(new Rng(2).nextU32());
  });

  it('keeps int() and next() in range (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (seed, lo, width) => {
        const r = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const v = r.int(lo, lo + width);
          expect(v).toBeGreaterThanOrEqual(lo);
          expect(v).toBeLessThan(lo + width);
          const f = r.next();
          expect(f >= 0 && f < 1).toBe(true);
        }
      }),
    );
  });

  it('is roughly uniform and normal() has mean 0, variance 1', () => {
    const r = new Rng(3);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[r.int(0, 10)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 20000; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / 20000)).toBeLessThan(0.05);
    expect(Math.abs(s2 / 20000 - 1)).toBeLessThan(0.05);
  });

  it('rejects bad seeds, states and ranges', () => {
    expect(() => new Rng(NaN)).toThrow(/seed/);
    expect(() => new Rng(new Uint32Array(3))).toThrow(/4 uint32/);
    expect(() => new Rng(1).int(5, 5)).toThrow(/empty range/);
    expect(() => new Rng(1).pick([])).toThrow(/empty/);
    expect(new Rng(new Uint32Array(4)).nextU32()).toBeTypeOf('number');
  });
});
