import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Sample } from '../../../data/schema.js';
import { createCoordinateMap } from '../../../modalities/coords.js';
import type { PreparedMedia } from '../../../modalities/types.js';
import { getReward } from '../../../rewards/index.js';
import type { RewardInput, RewardResult } from '../../../rewards/types.js';
import { iou } from '../../../rewards/geometry/math.js';

const sample = (answer: Sample['answer']): Sample => ({ id: 's', prompt: '', media: [], answer });
function score(name: string, input: RewardInput, params: Record<string, unknown> = {}): RewardResult {
  const def = getReward(name);
  return def.score(input, def.params.parse(params)) as RewardResult;
}

const GT = sample({ bbox: [200, 100, 600, 400] });
// 1280×960 original shown to the model as 640×480: model pixels are half the original.
const MAP = createCoordinateMap({ original: [1280, 960], input: [640, 480], space: 'pixel' });

describe('coordinate spaces', () => {
  it('converts resized-input pixels to original pixels through input.coords and reports it', () => {
    const r = score('geometry.iou', { completion: '<answer>{"bbox_2d": [100, 50, 300, 200]}</answer>', sample: GT, coords: MAP });
    expect(r.score).toBe(1);
    expect(r.details).toMatchObject({
      coords: { space: 'pixel', from: 'input.coords', map: 'pixel over 640x480 input of 1280x960 original' },
      pred_model: [100, 50, 300, 200],
      pred_original: [200, 100, 600, 400],
    });
    // without the map the same answer is compared as original pixels: the classic "IoU stuck low"
    const raw = score('geometry.iou', { completion: '<answer>{"bbox_2d": [100, 50, 300, 200]}</answer>', sample: GT });
    expect(raw.score).toBeCloseTo(iou([100, 50, 300, 200], [200, 100, 600, 400]), 12);
    expect(raw.details).toMatchObject({ coords: { from: 'identity' } });
  });

  it('rebuilds the map when params.coords differs from the map space (norm1000, norm1)', () => {
    const n1000 = score('geometry.iou', { completion: '<answer>[156.25, 104.1667, 468.75, 416.6667]</answer>', sample: GT, coords: MAP }, { coords: 'norm1000' });
    expect(n1000.score).toBeGreaterThan(0.9999);
    expect(n1000.details).toMatchObject({ coords: { space: 'norm1000', rebuilt: true } });
    const n1 = score('geometry.iou', { completion: '<answer>[0.15625, 0.104166667, 0.46875, 0.416666667]</answer>', sample: GT, coords: MAP }, { coords: 'norm1' });
    expect(n1.score).toBeGreaterThan(0.9999);
  });

  it('uses prepared.coords when input.coords is absent, and the map space when params.coords is absent', () => {
    const prepared = { kind: 'image', images: [], text: '', coords: createCoordinateMap({ original: [1280, 960], input: [640, 480], space: 'norm1000' }), meta: {} } as PreparedMedia;
    const r = score('geometry.iou', { completion: '<answer>[156.25, 104.1666667, 468.75, 416.6666667]</answer>', sample: GT, prepared });
    expect(r.score).toBeGreaterThan(0.9999);
    expect(r.details).toMatchObject({ coords: { space: 'norm1000', from: 'prepared.coords' } });
  });

  it('is null with a reason when a normalised space has no map to give the image size', () => {
    const r = score('geometry.iou', { completion: '<answer>[100, 100, 500, 500]</answer>', sample: GT }, { coords: 'norm1000' });
    expect(r.score).toBeNull();
    expect(r.reason).toMatch(/image_size/);
  });

  it('converts points, tubes and detections too', () => {
    const p = score('geometry.point_in_box', { completion: '<answer>{"point_2d": [200, 150]}</answer>', sample: GT, coords: MAP });
    expect(p.score).toBe(1);
    expect(p.details).toMatchObject({ point_original: [400, 300] });
    const d = score('geometry.detection', { completion: '<answer>[{"bbox_2d": [100, 50, 300, 200]}]</answer>', sample: sample({ boxes: [{ bbox: [200, 100, 600, 400] }] }), coords: MAP });
    expect(d.score).toBe(1);
    const t = score('geometry.tube', { completion: '<answer>{"3": [100, 50, 300, 200]}</answer>', sample: sample({ tube: { frames: { '3': [200, 100, 600, 400] } } }), coords: MAP });
    expect(t.score).toBe(1);
  });
});

describe('geometry.iou', () => {
  it('reads the last <answer> by default, the whole completion with source: completion', () => {
    const c = '<think>first guess [0, 0, 10, 10]</think><answer>[200, 100, 600, 400]</answer>';
    expect(score('geometry.iou', { completion: c, sample: GT }).score).toBe(1);
    expect(score('geometry.iou', { completion: c, sample: GT }, { source: 'completion' }).score).toBe(0);
    expect(score('geometry.iou', { completion: '[200, 100, 600, 400]', sample: GT }).score).toBe(1);
  });

  it('pick: last scores the last box', () => {
    const c = '<answer>[0, 0, 10, 10] then [200, 100, 600, 400]</answer>';
    expect(score('geometry.iou', { completion: c, sample: GT }).score).toBe(0);
    expect(score('geometry.iou', { completion: c, sample: GT }, { pick: 'last' }).score).toBe(1);
  });

  it('variant vlm-r1 rescales x / input_w * W and uses the inclusive-pixel IoU on the FIRST answer', () => {
    const map = createCoordinateMap({ original: [1000, 750], input: [644, 476], space: 'pixel' });
    const gt = sample({ bbox: [100, 80, 500, 400] });
    const c = '<think>…</think><answer>{"bbox_2d": [64,51,322,254], "label": "x"}</answer><answer>[0,0,1,1]</answer>';
    const r = score('geometry.iou', { completion: c, sample: gt, coords: map }, { variant: 'vlm-r1' });
    // the reference, step by step, in the same float operations:
    const b = [(64 / 644) * 1000, (51 / 476) * 750, (322 / 644) * 1000, (254 / 476) * 750];
    const ix1 = Math.max(b[0]!, 100), iy1 = Math.max(b[1]!, 80), ix2 = Math.min(b[2]! - 1, 499), iy2 = Math.min(b[3]! - 1, 399);
    const inter = (ix2 - ix1 + 1) * (iy2 - iy1 + 1);
    const union = (b[2]! - b[0]!) * (b[3]! - b[1]!) + 400 * 320 - inter;
    expect(r.score).toBe(inter / union);
    expect(r.details).toMatchObject({ variant: 'vlm-r1', pred_model: [64, 51, 322, 254] });
    // `[ 64, …]` (space after the bracket) does not match VLM-R1's pattern
    expect(score('geometry.iou', { completion: '<answer>[ 64, 51, 322, 254]</answer>', sample: gt, coords: map }, { variant: 'vlm-r1' }).score).toBe(0);
    // no <answer>: 0, even with a box elsewhere
    expect(score('geometry.iou', { completion: '[64, 51, 322, 254]', sample: gt, coords: map }, { variant: 'vlm-r1' }).score).toBe(0);
    // Python's \d accepts Unicode digits: Arabic-Indic ٦٤ is 64
    const arabic = score('geometry.iou', { completion: '<answer>[٦٤,51,322,254]</answer>', sample: gt, coords: map }, { variant: 'vlm-r1' });
    expect(arabic.score).toBe(r.score);
  });

  it('scores inverted, degenerate, NaN boxes 0 with details, and null without ground truth', () => {
    for (const c of ['<answer>[600, 400, 200, 100]</answer>', '<answer>[5, 5, 5, 5]</answer>', '<answer>{"bbox_2d": [NaN, 1, 2, 3]}</answer>']) {
      const r = score('geometry.iou', { completion: c, sample: GT });
      expect(r.score).toBe(0);
    }
    expect(score('geometry.iou', { completion: '<answer>[1,2,3,4]</answer>', sample: sample({ span: [1, 2] }) }).score).toBeNull();
    // a single-element boxes list is a single box
    expect(score('geometry.iou', { completion: '<answer>[1,2,3,4]</answer>', sample: sample({ boxes: [{ bbox: [1, 2, 3, 4] }] }) }).score).toBe(1);
  });

  it('stays in [0, 1] and deterministic for arbitrary completions (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.array(fc.double(), { minLength: 4, maxLength: 4 }), (junk, nums) => {
        const c = `<answer>${junk}[${nums.join(', ')}]${junk}</answer>`;
        for (const name of ['geometry.iou', 'geometry.box_acc', 'geometry.detection']) {
          const r = score(name, { completion: c, sample: GT, coords: MAP });
          expect(r.score! >= 0 && r.score! <= 1).toBe(true);
        }
        const g = score('geometry.giou', { completion: c, sample: GT, coords: MAP });
        expect(g.score! >= -1 && g.score! <= 1).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('geometry.giou and geometry.box_acc', () => {
  it('GIoU is raw in [-1, 1] and reported beside the IoU', () => {
    const r = score('geometry.giou', { completion: '<answer>[600, 100, 1000, 400]</answer>', sample: GT });
    expect(r.score).toBeCloseTo(0 - (800 * 300 - 2 * 120000) / (800 * 300), 12);
    expect(r.details).toMatchObject({ iou: 0 });
  });

  it('box_acc is strict: IoU exactly τ fails', () => {
    // pred [200,100,600,400] vs gt shifted to give IoU 0.5 exactly: [200,100,600,400] vs [200,100,600,700]? area 120000 / 240000
    const gt = sample({ bbox: [200, 100, 600, 700] });
    const r = score('geometry.box_acc', { completion: '<answer>[200, 100, 600, 400]</answer>', sample: gt });
    expect(r.details).toMatchObject({ iou: 0.5 });
    expect(r.score).toBe(0);
    expect(score('geometry.box_acc', { completion: '<answer>[200, 100, 600, 400]</answer>', sample: gt }, { threshold: 0.49 }).score).toBe(1);
  });
});

describe('geometry.detection', () => {
  const two = sample({ boxes: [{ bbox: [0, 0, 100, 100], label: 'cat' }, { bbox: [200, 0, 300, 100], label: 'dog' }] });

  it('hungarian reports precision, recall, F1 and soft F1; labels can be ignored', () => {
    const c = '<answer>[{"bbox_2d": [0, 0, 100, 100], "label": "cat"}, {"bbox_2d": [200, 0, 300, 100], "label": "cat"}, {"bbox_2d": [500, 500, 600, 600], "label": "cat"}]</answer>';
    const r = score('geometry.detection', { completion: c, sample: two }, { metric: 'f1' });
    expect(r.details).toMatchObject({ tp: 1, precision: 0.333333, recall: 0.5, f1: 0.4, n_pred: 3, n_gt: 2 });
    expect(r.score).toBeCloseTo(0.4, 12);
    const ign = score('geometry.detection', { completion: c, sample: two }, { labels: 'ignore', metric: 'recall' });
    expect(ign.score).toBe(1);
    expect(score('geometry.detection', { completion: c, sample: two }, { metric: 'precision' }).score).toBeCloseTo(1 / 3, 12);
  });

  it('hungarian beats greedy where greedy is suboptimal', () => {
    // gt A=[0,0,10,10], B=[6,0,16,10]; pred p1 = [3,0,13,10] overlaps both; p2 = [0,0,10,10] only A well
    const gt = sample({ boxes: [{ bbox: [0, 0, 10, 10] }, { bbox: [6, 0, 16, 10] }] });
    const c = '<answer>[3, 0, 13, 10] [0, 0, 10, 10]</answer>';
    const h = score('geometry.detection', { completion: c, sample: gt }, { iou_threshold: 0.3, metric: 'f1' });
    expect(h.details).toMatchObject({ tp: 2 });
    const g = score('geometry.detection', { completion: c, sample: gt }, { variant: 'vlm-r1', iou_threshold: 0.3 });
    // greedy takes the best pair (p2, A, IoU 1) first, then p1–B (IoU 7/13 ≥ 0.3): both match here too
    expect((g.details as { matches: unknown[] }).matches.length).toBe(2);
  });

  it('vlm-r1 zeroes the IoU of a label mismatch but keeps the match (completeness)', () => {
    const c = '<answer>[{"bbox_2d": [0, 0, 100, 100], "label": "DOG"}, {"bbox_2d": [200, 0, 300, 100], "label": "Dog"}]</answer>';
    const r = score('geometry.detection', { completion: c, sample: two }, { variant: 'vlm-r1' });
    // position = (0 + 1) / 2; completeness = 1
    expect(r.score).toBeCloseTo(0.7 * 0.5 + 0.3 * 1, 12);
    expect(r.details).toMatchObject({ tp: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
    const none = score('geometry.detection', { completion: '<answer>[]</answer>', sample: two }, { variant: 'vlm-r1' });
    expect(none.score).toBe(0);
    expect(score('geometry.detection', { completion: '<answer>[1,2,3,4]</answer>', sample: sample({ boxes: [] }) }, { variant: 'vlm-r1' }).score).toBe(0);
  });

  it('visual-rft deduplicates, orders by confidence and needs a confidence on every box', () => {
    const gt = sample({ boxes: [{ bbox: [0, 0, 100, 100] }] });
    // the duplicate is dropped; the 0.3-confidence copy is matched? No: sorted first is 0.9 (exact), then 0.3 (unmatched)
    const c = "<answer>[{'Position': [0, 0, 100, 100], 'Confidence': 0.3}, {'Position': [0, 0, 100, 100], 'Confidence': 0.9}, {'Position': [5, 0, 100, 100], 'Confidence': 0.9}]</answer>";
    const r = score('geometry.detection', { completion: c, sample: gt }, { variant: 'visual-rft' });
    // kept: box 0 (conf .3) and box 2 (conf .9); order: box 2 (IoU .95 matched), box 0 (gt used → 0)
    expect(r.details).toMatchObject({ kept_after_dedup: 2, tp: 1, precision: 0.5, recall: 1 });
    expect(r.score).toBeCloseTo(0.95 / 2, 12);
    const conf = score('geometry.detection', { completion: c, sample: gt }, { variant: 'visual-rft', component: 'confidence' });
    expect(conf.score).toBeCloseTo((0.9 + 0.7) / 2, 12);
    const missing = score('geometry.detection', { completion: '<answer>[{"bbox_2d": [0, 0, 100, 100]}]</answer>', sample: gt }, { variant: 'visual-rft' });
    expect(missing.score).toBe(0);
    expect(missing.reason).toMatch(/Confidence/);
  });

  it('rejects alpha = beta = gamma = 0 and unknown params at parse time', () => {
    const def = getReward('geometry.detection');
    expect(def.params.safeParse({ alpha: 0, beta: 0, gamma: 0 }).success).toBe(false);
    expect(def.params.safeParse({ variant: 'greedy' }).success).toBe(false);
  });
});

describe('geometry.temporal_iou, geometry.tube, geometry.iou3d', () => {
  it('temporal IoU accepts timestamps', () => {
    const r = score('geometry.temporal_iou', { completion: '<answer>00:12 - 00:20</answer>', sample: sample({ span: [10, 20] }) });
    expect(r.score).toBeCloseTo(8 / 10, 12);
  });

  it('tube accepts list and map shapes; a malformed box still counts as a predicted frame', () => {
    const gt = sample({ tube: { frames: { '1': [0, 0, 10, 10], '2': [0, 0, 10, 10] } } });
    const list = score('geometry.tube', { completion: '<answer>[{"frame": 1, "bbox_2d": [0, 0, 10, 10]}, {"frame": 2, "bbox_2d": [0, 0, 5, 10]}]</answer>', sample: gt });
    expect(list.score).toBeCloseTo((1 + 0.5) / 2, 12);
    const bad = score('geometry.tube', { completion: '<answer>{"1": [0, 0, 10, 10], "2": "x", "3": [0, 0, 10, 10]}</answer>', sample: gt }, { metric: 'tiou' });
    expect(bad.score).toBeCloseTo(2 / 3, 12);
    expect(score('geometry.tube', { completion: '<answer>none</answer>', sample: gt }).score).toBe(0);
  });

  it('iou3d handles yaw; the 3d-r1 variant ignores it (axis-aligned as published)', () => {
    const gt = sample({ box3d: { center: [0, 0, 0], size: [4, 4, 1], yaw: 0 } });
    const rot = score('geometry.iou3d', { completion: '<answer>{"center": [0, 0, 0], "size": [4, 4, 1], "yaw": 1.5707963267948966}</answer>', sample: gt });
    expect(rot.score).toBeCloseTo(1, 12);
    const r45 = score('geometry.iou3d', { completion: '<answer>{"center": [0, 0, 0], "size": [4, 4, 1], "yaw": 0.7853981633974483}</answer>', sample: gt });
    const oct = 32 * (Math.sqrt(2) - 1);
    expect(r45.score).toBeCloseTo(oct / (32 - oct), 9);
    const aa = score('geometry.iou3d', { completion: '<answer>{"center": [0, 0, 0], "size": [4, 4, 1], "yaw": 0.7853981633974483}</answer>', sample: gt }, { variant: '3d-r1' });
    expect(aa.score).toBe(1);
  });
});
