import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clipGradNorm, globalNorm, makeSchedule, OptimStepper, scheduleNames } from '../../../../src/policy/optim/index.js';

describe('learning-rate schedules (Hugging Face formulas)', () => {
  it('constant with warmup', () => {
    const s = makeSchedule({ kind: 'constant', warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 5, 1000].map(s)).toEqual([0, 0.25, 0.5, 0.75, 1, 1, 1]);
    expect(makeSchedule()(0)).toBe(1);
  });

  it('cosine with warmup: hand-computed points', () => {
    const s = makeSchedule({ kind: 'cosine', warmupSteps: 2, totalSteps: 10 });
    expect(s(0)).toBe(0);
    expect(s(1)).toBe(0.5);
    expect(s(2)).toBe(1);
    expect(s(4)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), 12); // progress 2/8
    expect(s(6)).toBeCloseTo(0.5, 12); // halfway
    expect(s(10)).toBeCloseTo(0, 12);
    expect(s(50)).toBe(0); // stays at the floor after totalSteps
  });

  it('cosine with a floor and linear decay', () => {
    const s = makeSchedule({ kind: 'cosine', totalSteps: 4, minLrRatio: 0.1 });
    expect(s(0)).toBe(1);
    expect(s(2)).toBeCloseTo(0.55, 12);
    expect(s(4)).toBeCloseTo(0.1, 12);
    expect(s(9)).toBe(0.1);
    const l = makeSchedule({ kind: 'linear', warmupSteps: 1, totalSteps: 5 });
    expect([0, 1, 2, 3, 5, 7].map(l)).toEqual([0, 1, 0.75, 0.5, 0, 0]);
  });

  it('is in [0, 1] and non-increasing after warmup (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), (w, extra, floor) => {
        const total = w + extra;
        for (const kind of ['cosine', 'linear', 'constant']) {
          const s = makeSchedule({ kind, warmupSteps: w, totalSteps: total, minLrRatio: floor });
          let prev = Infinity;
          for (let t = w; t <= total + 3; t += Math.max(1, Math.floor(extra / 7))) {
            const v = s(t);
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
            expect(v).toBeLessThanOrEqual(prev + 1e-12);
            prev = v;
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('unknown names and bad specs fail loudly', () => {
    expect(scheduleNames()).toEqual(['constant', 'cosine', 'linear']);
    expect(() => makeSchedule({ kind: 'exp' })).toThrow(/unknown learning-rate schedule "exp"; known: constant, cosine, linear/);
    expect(() => makeSchedule({ kind: 'cosine' })).toThrow(/needs totalSteps/);
    expect(() => makeSchedule({ kind: 'linear', warmupSteps: 9, totalSteps: 3 })).toThrow(/exceeds totalSteps/);
    expect(() => makeSchedule({ kind: 'constant', warmupSteps: -1 })).toThrow(/warmupSteps/);
    expect(() => makeSchedule({ kind: 'constant', bogus: 1 } as never)).toThrow(/bogus|Unrecognized/);
    expect(() => makeSchedule()(-1)).toThrow(/step/);
    expect(() => makeSchedule()(0.5)).toThrow(/step/);
  });
});

describe('global-norm clipping (torch clip_grad_norm_)', () => {
  it('scales by maxNorm/(norm+1e-6) when above the limit, leaves gradients alone below it', () => {
    const g = { a: new Float32Array([3, 0]), b: new Float32Array([4]) }; // norm 5
    const r = clipGradNorm(g, 1);
    expect(r.norm).toBe(5);
    expect(r.scale).toBeCloseTo(1 / (5 + 1e-6), 12);
    expect(globalNorm(g)).toBeCloseTo(1, 5);
    const h = new Map([['x', new Float32Array([0.3, 0.4])]]);
    expect(clipGradNorm(h, 1)).toEqual({ norm: expect.closeTo(0.5, 7), scale: 1, finite: true });
    expect(Array.from(h.get('x')!)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });

  it('reports non-finite gradients and leaves them untouched; rejects a bad maxNorm', () => {
    const g = { a: new Float32Array([NaN, 1]) };
    expect(clipGradNorm(g, 1)).toMatchObject({ finite: false, scale: 1 });
    expect(clipGradNorm({ a: new Float32Array([Infinity]) }, 1).finite).toBe(false);
    expect(g.a[1]).toBe(1);
    expect(() => clipGradNorm(g, 0)).toThrow(/maxNorm/);
    expect(() => clipGradNorm(g, NaN)).toThrow(/maxNorm/);
  });

  it('the clipped norm never exceeds maxNorm (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float32Array({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6, maxLength: 20 }), { maxLength: 4 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (arrs, max) => {
        const set = Object.fromEntries(arrs.map((a, i) => [String(i), a]));
        clipGradNorm(set, max);
        expect(globalNorm(set)).toBeLessThanOrEqual(max * (1 + 1e-5));
      }),
    );
  });
});

describe('OptimStepper (config glue)', () => {
  it('clips, schedules and steps; skips non-finite steps', () => {
    const w = new Float32Array([1, 1]);
    const st = new OptimStepper({ w }, { lr: 0.1, max_grad_norm: 1, warmup_steps: 1, schedule: 'cosine', weight_decay: 0 }, 3);
    const r0 = st.step({ w: new Float32Array([30, 40]) });
    expect(r0).toMatchObject({ norm: 50, lr: 0, skipped: false, step: 1 });
    expect(Array.from(w)).toEqual([1, 1]); // warmup factor 0 at step 0
    const r1 = st.step({ w: new Float32Array([3, 4]) });
    expect(r1.lr).toBeCloseTo(0.1, 12);
    expect(w[0]!).toBeLessThan(1);
    const before = Array.from(w);
    const r2 = st.step({ w: new Float32Array([NaN, 0]) });
    expect(r2).toMatchObject({ skipped: true, step: 2, lr: 0 });
    expect(Array.from(w)).toEqual(before);
    const st2 = new OptimStepper({ w }, { lr: 0.1, max_grad_norm: null }, 3);
    expect(st2.step({ w: new Float32Array([Infinity, 0]) }).skipped).toBe(true);
    expect(st2.step({ w: new Float32Array([1, 0]) })).toMatchObject({ skipped: false, norm: 1, lr: 0.1 });
  });

  it('resuming from saved optimiser state continues the schedule and the parameters exactly', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const d = mkdtempSync(join(tmpdir(), 'glimpse-stepper-'));
    try {
      const cfg = { lr: 0.05, max_grad_norm: 0.5, warmup_steps: 2, schedule: 'cosine', weight_decay: 0.1 };
      const grad = (t: number) => ({ w: new Float32Array([Math.sin(t), Math.cos(t), 0.3]) });
      const a = new Float32Array([1, -1, 0.5]);
      const sa = new OptimStepper({ w: a }, cfg, 8);
      const lrsA = Array.from({ length: 8 }, (_, t) => sa.step(grad(t)).lr);
      const b = new Float32Array([1, -1, 0.5]);
      const sb = new OptimStepper({ w: b }, cfg, 8);
      const lrsB = Array.from({ length: 5 }, (_, t) => sb.step(grad(t)).lr);
      await sb.optimizer.save(join(d, 'opt.safetensors'));
      const c = b.slice();
      const sc = new OptimStepper({ w: c }, cfg, 8);
      sc.optimizer.load(join(d, 'opt.safetensors'));
      for (let t = 5; t < 8; t++) lrsB.push(sc.step(grad(t)).lr);
      expect(lrsB).toEqual(lrsA);
      expect(Array.from(c)).toEqual(Array.from(a));
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
