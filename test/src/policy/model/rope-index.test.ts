import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodePositions, getRopeIndex, ropeOptionsFromConfig, type RopeIndexOptions } from '../../../../src/policy/model/rope-index.js';
import { glimpseTinyConfig, parseModelConfig } from '../../../../src/policy/model/config.js';
import { QWEN25_VL_3B } from './fixtures.js';

// Small ids for readability: T = text, S = <|vision_start|>, E = <|vision_end|>, I = <|image_pad|>, V = <|video_pad|>
const T = 1;
const S = 7;
const E = 8;
const I = 9;
const V = 10;
const OPTS: RopeIndexOptions = { spatialMergeSize: 2, imageTokenId: I, videoTokenId: V, visionStartTokenId: S };

/** Splits [3, B, L] into nested arrays [axis][row][token]. */
function axes(r: { positionIds: Int32Array; batch: number; length: number }): number[][][] {
  const out: number[][][] = [];
  for (let a = 0; a < 3; a++) {
    const rows: number[][] = [];
    for (let b = 0; b < r.batch; b++) rows.push(Array.from(r.positionIds.subarray((a * r.batch + b) * r.length, (a * r.batch + b + 1) * r.length)));
    out.push(rows);
  }
  return out;
}

// Beyond these hand-computed cases, 300 random padded batches (images, videos, Qwen2-VL and
// Qwen2.5-VL with fractional seconds) were checked once against a PyTorch transcription of
// transformers' get_rope_index: identical position ids and deltas.
describe('getRopeIndex (transformers get_rope_index)', () => {
  it('text only: 0..L-1 on every axis, delta 0', () => {
    const r = getRopeIndex({ inputIds: [[T, T, T, T]] }, OPTS);
    expect(axes(r)).toEqual([[[0, 1, 2, 3]], [[0, 1, 2, 3]], [[0, 1, 2, 3]]]);
    expect(r.deltas).toEqual([0]);
  });

  it('text only with left padding: cumsum(mask) − 1, padding at 1, delta from the max', () => {
    const r = getRopeIndex({ inputIds: [[0, 0, T, T, T], [T, T, T, T, T]], attentionMask: [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]] }, OPTS);
    expect(axes(r)[0]).toEqual([[1, 1, 0, 1, 2], [0, 1, 2, 3, 4]]);
    expect(r.deltas).toEqual([-2, 0]);
  });

  it('one image: grid (1, 4, 6) merges to 1×2×3 tokens placed at (t, h, w) offsets', () => {
    // T T S I I I I I I E T
    const ids = [T, T, S, I, I, I, I, I, I, E, T];
    const r = getRopeIndex({ inputIds: [ids], imageGridThw: [[1, 4, 6]] }, OPTS);
    const [t, h, w] = axes(r).map((a) => a[0]!);
    expect(t).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7]);
    expect(h).toEqual([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7]);
    expect(w).toEqual([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7]);
    expect(r.deltas).toEqual([7 + 1 - 11]);
  });

  it('a video after an image: Qwen2-VL uses the frame-group index as t', () => {
    // S I I E S V V V V E T ; image grid (1,2,4) -> 1x1x2 ; video grid (2,2,4) -> 2x1x2
    const ids = [S, I, I, E, S, V, V, V, V, E, T];
    const r = getRopeIndex({ inputIds: [ids], imageGridThw: [[1, 2, 4]], videoGridThw: [[2, 2, 4]] }, OPTS);
    const [t, h, w] = axes(r).map((a) => a[0]!);
    // S:0 | image base 1: t 1 1, h 1 1, w 1 2 | E: 3, S: 4 | video base 5: t 5 5 6 6, h 5 5 5 5, w 5 6 5 6 | E 7, T 8
    expect(t).toEqual([0, 1, 1, 3, 4, 5, 5, 6, 6, 7, 8]);
    expect(h).toEqual([0, 1, 1, 3, 4, 5, 5, 5, 5, 7, 8]);
    expect(w).toEqual([0, 1, 2, 3, 4, 5, 6, 5, 6, 7, 8]);
    expect(r.deltas).toEqual([8 + 1 - 11]);
  });

  it('Qwen2.5-VL: video t = ⌊index · second_per_grid_t · tokens_per_second⌋; images stay at 0', () => {
    const o25: RopeIndexOptions = { ...OPTS, modelType: 'qwen2_5_vl', tokensPerSecond: 2 };
    const ids = [S, V, V, V, E];
    // grid (3, 2, 2) -> 3 frames-groups of 1 token; second_per_grid_t = 1.0 -> t offsets 0, 2, 4
    const r = getRopeIndex({ inputIds: [ids], videoGridThw: [[3, 2, 2]] }, o25);
    expect(axes(r)[0]![0]).toEqual([0, 1, 3, 5, 6]);
    expect(axes(r)[1]![0]).toEqual([0, 1, 1, 1, 6]);
    // 0.75 s per grid: 0, ⌊1.5⌋ = 1, ⌊3⌋ = 3
    const r2 = getRopeIndex({ inputIds: [ids], videoGridThw: [[3, 2, 2]], secondPerGridTs: [0.75] }, o25);
    expect(axes(r2)[0]![0]).toEqual([0, 1, 2, 4, 5]);
    // 2/3 s per grid in float32: 0, ⌊1.3333⌋ = 1, ⌊2.6667⌋ = 2
    const r3 = getRopeIndex({ inputIds: [ids], videoGridThw: [[3, 2, 2]], secondPerGridTs: [2 / 3] }, o25);
    expect(axes(r3)[0]![0]).toEqual([0, 1, 2, 3, 4]);
    const img = getRopeIndex({ inputIds: [[S, I, I, E]], imageGridThw: [[2, 2, 2]] }, o25);
    expect(axes(img)[0]![0]).toEqual([0, 1, 1, 2]);
  });

  it('a padded batch: images are consumed in order across rows, padding sits at 1', () => {
    const rows = [
      [0, 0, S, I, E, T],
      [S, I, I, E, T, T],
    ];
    const mask = [
      [0, 0, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1],
    ];
    const r = getRopeIndex({ inputIds: rows, attentionMask: mask, imageGridThw: [[1, 2, 2], [1, 2, 4]] }, OPTS);
    const [t, h, w] = axes(r);
    expect(t).toEqual([
      [1, 1, 0, 1, 2, 3],
      [0, 1, 1, 3, 4, 5],
    ]);
    expect(w![1]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h![0]).toEqual([1, 1, 0, 1, 2, 3]);
    expect(r.deltas).toEqual([3 + 1 - 6, 5 + 1 - 6]);
  });

  it('decode positions continue at cache position + delta', () => {
    expect(Array.from(decodePositions(11, -3, 3))).toEqual([8, 9, 10]);
  });

  it('options from a config', () => {
    expect(ropeOptionsFromConfig(glimpseTinyConfig())).toEqual({ spatialMergeSize: 2, imageTokenId: 1012, videoTokenId: 1013, visionStartTokenId: 1009, modelType: 'qwen2_vl', tokensPerSecond: 2 });
    expect(ropeOptionsFromConfig(parseModelConfig(QWEN25_VL_3B)).modelType).toBe('qwen2_5_vl');
  });

  it('a prompt whose image tokens do not match the grid is a clear error', () => {
    expect(() => getRopeIndex({ inputIds: [[S, I, I, I, E]], imageGridThw: [[1, 2, 4]] }, OPTS)).toThrow(/image 0 has 3 <\|image_pad\|> tokens but its grid \[1, 2, 4\] needs 2/);
    expect(() => getRopeIndex({ inputIds: [[S, I, E, S, I, E]], imageGridThw: [[1, 2, 2]] }, OPTS)).toThrow(/more images than the 1 image grids/);
    expect(() => getRopeIndex({ inputIds: [[S, I, E]], imageGridThw: [[1, 2, 2], [1, 2, 2]] }, OPTS)).toThrow(/hold 1 image\(s\) and 0 video\(s\) but 2 image grid\(s\)/);
    expect(() => getRopeIndex({ inputIds: [[S, I, E]], imageGridThw: [[1, 3, 2]] }, OPTS)).toThrow(/multiples of spatial_merge_size/);
    expect(() => getRopeIndex({ inputIds: [[S, I, E]], imageGridThw: [[1, NaN, 2]] }, OPTS)).toThrow(/positive integers/);
    expect(() => getRopeIndex({ inputIds: [[S, I, E]], imageGridThw: [[1, 2]] }, OPTS)).toThrow(/\[t, h, w\]/);
    expect(() => getRopeIndex({ inputIds: [] }, OPTS)).toThrow(/empty batch/);
    expect(() => getRopeIndex({ inputIds: [[T], [T, T]] }, OPTS)).toThrow(/row 1 has 2 tokens/);
    expect(() => getRopeIndex({ inputIds: [[T, T]], attentionMask: [[1]] }, OPTS)).toThrow(/attention mask shape/);
    expect(() => getRopeIndex({ inputIds: [[T, T]], attentionMask: [[1, 2]] }, OPTS)).toThrow(/use 0 or 1/);
    expect(() => getRopeIndex({ inputIds: [[S, V, E]], videoGridThw: [[1, 2, 2]], secondPerGridTs: [NaN] }, { ...OPTS, modelType: 'qwen2_5_vl' })).toThrow(/second_per_grid_t/);
  });

  it('random prompts: text advances by 1, vision spans its grid, deltas consistent (property)', () => {
    const segment = fc.oneof(
      fc.record({ kind: fc.constant('text' as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('image' as const), t: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 3 }), w: fc.integer({ min: 1, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 3 }), (segs, pad) => {
        const ids: number[] = [];
        const grids: number[][] = [];
        let expectedMax = -1;
        for (const s of segs) {
          if (s.kind === 'text') {
            for (let k = 0; k < s.n; k++) ids.push(T);
            expectedMax += s.n;
          } else {
            ids.push(S);
            expectedMax += 1;
            for (let k = 0; k < s.t * s.h * s.w; k++) ids.push(I);
            grids.push([s.t, 2 * s.h, 2 * s.w]);
            expectedMax += Math.max(s.t, s.h, s.w);
            ids.push(E);
            expectedMax += 1;
          }
        }
        const row = [...new Array(pad).fill(0), ...ids];
        const mask = [...new Array(pad).fill(0), ...ids.map(() => 1)];
        const r = getRopeIndex({ inputIds: [row], attentionMask: [mask], imageGridThw: grids }, OPTS);
        // with no vision item the reference takes the delta over padding positions (1) too
        const deltaMax = grids.length === 0 && pad > 0 ? Math.max(expectedMax, 1) : expectedMax;
        expect(r.deltas[0]).toBe(deltaMax + 1 - row.length);
        const [t] = axes(r);
        for (let k = 0; k < pad; k++) expect(t![0]![k]).toBe(1);
        expect(Math.max(...Array.from(r.positionIds))).toBe(Math.max(expectedMax, pad > 0 ? 1 : 0));
      }),
      { numRuns: 150 },
    );
  });
});
