import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../src/eval/compare.js';
import { failureCounts, formatMetric, macroF1, meanOf, shareAbove, shareAtLeast } from '../../../src/eval/metrics.js';
import type { SampleResult } from '../../../src/eval/types.js';
import type { RunSummary } from '../../../src/eval/report.js';

const res = (vals: number[], key = 'iou'): SampleResult[] => vals.map((v, i) => ({ id: String(i), groups: {}, completion: '', values: { [key]: v } }));

describe('metric helpers', () => {
  it('distinguishes strict > from inclusive ≥ at the threshold', () => {
    const rs = res([0.5, 0.7, 0.3, 0.49999999]);
    expect(shareAbove(rs, 'iou', 0.5)).toBe(0.25);
    expect(shareAtLeast(rs, 'iou', 0.5)).toBe(0.5);
    expect(shareAtLeast(rs, 'iou', 0.7)).toBe(0.25);
    expect(shareAbove(rs, 'iou', 0.7)).toBe(0);
  });

  it('treats missing and NaN values as 0 and empty sets as NaN', () => {
    const rs = [...res([1]), { id: 'x', groups: {}, completion: '', values: {} }, ...res([Number.NaN])];
    expect(meanOf(rs, 'iou')).toBeCloseTo(1 / 3, 12);
    expect(shareAbove(rs, 'iou', 0.5)).toBeCloseTo(1 / 3, 12);
    expect(Number.isNaN(meanOf([], 'iou'))).toBe(true);
    expect(Number.isNaN(shareAtLeast([], 'iou', 0.5))).toBe(true);
  });

  it('computes macro-F1 as scikit-learn does', () => {
    // y_true = [a, a, b, c], y_pred = [a, b, b, a]: F1 a = 0.5, b = 2/3, c = 0 -> 0.3888…
    expect(macroF1([{ truth: 'a', pred: 'a' }, { truth: 'a', pred: 'b' }, { truth: 'b', pred: 'b' }, { truth: 'c', pred: 'a' }])).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 12);
    // unparseable counts as a miss, not as a class
    expect(macroF1([{ truth: 'a', pred: undefined }, { truth: 'b', pred: 'b' }])).toBeCloseTo((0 + 1) / 2, 12);
    expect(Number.isNaN(macroF1([]))).toBe(true);
  });

  it('macro-F1 is 1 exactly when every prediction is right, and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined })), { minLength: 1, maxLength: 40 }), (pairs) => {
        const f = macroF1(pairs.map(([truth, pred]) => ({ truth, pred })));
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThanOrEqual(1);
        expect(f === 1).toBe(pairs.every(([t, p]) => t === p));
      }),
    );
  });

  it('counts failures and formats values', () => {
    const rs: SampleResult[] = [
      { id: '1', groups: {}, completion: '', values: {}, failure: 'empty' },
      { id: '2', groups: {}, completion: 'x', values: {}, failure: 'unparseable' },
      { id: '3', groups: {}, completion: 'x', values: {}, failure: 'unparseable' },
    ];
    expect(failureCounts(rs)).toEqual({ empty: 1, unparseable: 2 });
    expect(formatMetric(0.12345, true)).toBe('12.35');
    expect(formatMetric(0.12345, false)).toBe('0.1235');
    expect(formatMetric('unavailable', true)).toBe('unavailable');
    expect(formatMetric(Number.NaN, true)).toBe('n/a');
    expect(formatMetric(undefined, true)).toBe('—');
  });
});

describe('compareRuns', () => {
  const summary = (m: Record<string, number | 'unavailable' | null>, n: number): RunSummary => ({
    benchmark: 'charades-sta', model: 'x', data: 'd', n, total: n, errors: 0, metrics: m, percent: ['R1@0.5', 'mIoU'], breakdown: {}, failures: {}, examples: [],
  });
  it('prints both runs side by side with B − A in percentage points', () => {
    const lines = compareRuns(summary({ 'R1@0.5': 0.4, mIoU: 0.35, CLIP: 'unavailable' }, 100), summary({ 'R1@0.5': 0.455, mIoU: 0.3, CLIP: null }, 90), ['runA', 'runB']);
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/metric\s+runA\s+runB\s+Δ \(B−A\)/);
    expect(text).toMatch(/R1@0\.5\s+40\.00\s+45\.50\s+\+5\.50 pp/);
    expect(text).toMatch(/mIoU\s+35\.00\s+30\.00\s+-5\.00 pp/);
    expect(text).toMatch(/CLIP\s+unavailable\s+—/);
    expect(text).toMatch(/samples\s+100\s+90/);
  });
});
