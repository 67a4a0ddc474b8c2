/** Shared helpers of the graph tests: gradient-check assertions and random broadcast shapes. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { type GradCheckOptions, gradCheck } from '../../../../src/policy/graph/gradcheck.js';

/** Runs a finite-difference check and fails with the mismatching elements. */
export async function expectGradOk(o: GradCheckOptions): Promise<void> {
  const r = await gradCheck(o);
  expect(r.failures, r.failures.slice(0, 5).join('\n')).toEqual([]);
  expect(r.checked).toBeGreaterThan(0);
}

/** A shape of rank 1..3 with dims 1..4. */
export const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

/** A pair of shapes that broadcast: b drops leading axes of a and sets some dims to 1 (or a does). */
export const broadcastPairArb = fc
  .tuple(shapeArb, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.nat(2), fc.boolean())
  .map(([s, onesA, onesB, drop, swap]) => {
    const a = s.map((d, i) => (onesA[i] ? 1 : d));
    const b = s.map((d, i) => (onesB[i] && !onesA[i] ? 1 : d)).slice(Math.min(drop, s.length - 1));
    return swap ? [b, a] as const : [a, b] as const;
  });

/** fast-check settings: few runs (each builds and runs ONNX sessions), fixed seed. */
export const runs = { numRuns: 4, seed: 20260526 } as const;
