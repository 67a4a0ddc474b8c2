import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BBox } from '../../../data/schema.js';
import { iou } from '../../../rewards/geometry/math.js';
import { hungarianMatch, visualRftRewards, vlmR1DetectionScore, type DetBox } from '../../../rewards/geometry/matching.js';
import { parseTube } from '../../../rewards/geometry/tube_parse.js';

const ibox = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
  .map(([x, y, w, h]): BBox => [x, y, x + w, y + h]);
const dets = fc.array(ibox.map((bbox): DetBox => ({ bbox })), { maxLength: 6 });

/** Greedy max-IoU matching (the common alternative), weights as in hungarianMatch. */
function greedySum(preds: DetBox[], gts: DetBox[], t: number): number {
  const usedP = new Set<number>(), usedG = new Set<number>();
  let sum = 0;
  for (;;) {
    let best = 0, bi = -1, bj = -1;
    preds.forEach((p, i) => gts.forEach((g, j) => {
      if (usedP.has(i) || usedG.has(j)) return;
      const v = iou(p.bbox, g.bbox);
      if (v >= t && v > best) { best = v; bi = i; bj = j; }
    }));
    if (bi < 0) return sum;
    usedP.add(bi); usedG.add(bj); sum += best;
  }
}

describe('hungarianMatch', () => {
  it('maximises the matched IoU sum: never below greedy (property)', () => {
    fc.assert(
      fc.property(dets, dets, fc.constantFrom(0.1, 0.3, 0.5), (p, g, t) => {
        const r = hungarianMatch(p, g, t, false);
        const sum = r.matches.reduce((s, m) => s + m.iou, 0);
        expect(sum).toBeGreaterThanOrEqual(greedySum(p, g, t) - 1e-12);
        for (const k of ['precision', 'recall', 'f1', 'soft_f1', 'mean_iou'] as const) expect(r[k] >= 0 && r[k] <= 1).toBe(true);
        expect(r.soft_f1).toBeLessThanOrEqual(r.f1 + 1e-12);
        // one-to-one
        expect(new Set(r.matches.map((m) => m.pred)).size).toBe(r.matches.length);
        expect(new Set(r.matches.map((m) => m.gt)).size).toBe(r.matches.length);
      }),
      { numRuns: 300 },
    );
  });

  it('counts predictions dropped by a cap as false positives', () => {
    const g: DetBox[] = [{ bbox: [0, 0, 10, 10] }];
    const r = hungarianMatch([{ bbox: [0, 0, 10, 10] }], g, 0.5, true, 4);
    expect(r.precision).toBe(0.25);
    expect(r.f1).toBeCloseTo(2 / 5, 12);
  });

  it('labels: case and spaces ignored, a missing label matches anything', () => {
    const g: DetBox[] = [{ bbox: [0, 0, 10, 10], label: 'Cat' }];
    expect(hungarianMatch([{ bbox: [0, 0, 10, 10], label: ' cat ' }], g, 0.5, true).tp).toBe(1);
    expect(hungarianMatch([{ bbox: [0, 0, 10, 10] }], g, 0.5, true).tp).toBe(1);
    expect(hungarianMatch([{ bbox: [0, 0, 10, 10], label: 'dog' }], g, 0.5, true).tp).toBe(0);
    expect(hungarianMatch([{ bbox: [0, 0, 10, 10], label: 'dog' }], g, 0.5, false).tp).toBe(1);
  });

  it('invalid boxes never match', () => {
    const r = hungarianMatch([{ bbox: [NaN, 0, 10, 10] }, { bbox: [10, 10, 0, 0] }], [{ bbox: [0, 0, 10, 10] }], 0, false);
    expect(r.tp).toBe(0);
  });
});

describe('vlmR1DetectionScore and visualRftRewards', () => {
  it('are in [0, 1] for any boxes and confidences (property)', () => {
    const conf = fc.oneof(fc.double({ min: -2, max: 3, noNaN: true }), fc.constant(0.5));
    fc.assert(
      fc.property(dets, dets, fc.array(conf, { minLength: 6, maxLength: 6 }), (p, g, cs) => {
        const v = vlmR1DetectionScore(p, g);
        expect(v.score >= 0 && v.score <= 1).toBe(true);
        const r = visualRftRewards(p.map((x, i) => ({ ...x, confidence: cs[i] })), g);
        expect(r.iou_reward >= 0 && r.iou_reward <= 1).toBe(true);
        expect(r.confidence_reward >= 0 && r.confidence_reward <= 1).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('vlm-r1: a match needs IoU ≥ τ (the loop stops below τ)', () => {
    // IoU exactly 0.5 under the inclusive-pixel IoU: [0,0,100,100] vs [0,0,100,50]: inter 100·50, union 10000
    const r = vlmR1DetectionScore([{ bbox: [0, 0, 100, 50] }], [{ bbox: [0, 0, 100, 100] }]);
    expect(r.matches.length).toBe(1);
    expect(r.score).toBeCloseTo(0.7 * 0.5 + 0.3, 12);
  });

  it('visual-rft: a match needs IoU > τ (strictly)', () => {
    const r = visualRftRewards([{ bbox: [0, 0, 100, 50], confidence: 1 }], [{ bbox: [0, 0, 100, 100] }]);
    expect(r.iou_reward).toBe(0);
    expect(r.confidence_reward).toBe(0); // unmatched with confidence 1: 1 − 1
  });
});

describe('parseTube', () => {
  it('reads the four accepted shapes', () => {
    expect(parseTube('{"frames": {"1": [0, 0, 1, 1]}}')).toMatchObject({ via: 'frames', kind: 'frames', entries: [[1, [0, 0, 1, 1]]] });
    expect(parseTube('{"tube": {"times": {"0.5": [0, 0, 1, 1]}}}')).toMatchObject({ via: 'times', entries: [[0.5, [0, 0, 1, 1]]] });
    expect(parseTube('answer: {"3": [0, 0, 1, 1], "x": [1, 1, 2, 2]}')).toMatchObject({ via: 'map', entries: [[3, [0, 0, 1, 1]]] });
    expect(parseTube("[{'t': 1.5, 'box': [0, 0, 1, 1]}, {'frame': 'x'}]")).toMatchObject({ via: 'list', kind: 'times', entries: [[1.5, [0, 0, 1, 1]]] });
  });

  it('keeps a frame with a malformed box as invalid, and explains misses', () => {
    const r = parseTube('{"1": "nope", "2": [0, 0, 1]}');
    expect('entries' in r && r.entries.every(([, b]) => b.every(Number.isNaN))).toBe(true);
    for (const bad of ['', 'no json', '[1, 2, 3]', '"str"', '{"a": 1}', '{"a": '.repeat(5000), '['.repeat(100_000)]) {
      const x = parseTube(bad);
      expect('error' in x).toBe(true);
    }
  });

  it('caps the number of entries', () => {
    const big = JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [String(i), [0, 0, 1, 1]])));
    const r = parseTube(big, 10);
    expect('entries' in r && r.entries.length).toBe(10);
  });
});
