import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BBox, Sample } from '../../../data/schema.js';
import { createCoordinateMap } from '../../../modalities/coords.js';
import { cleanBox, unionAreas } from '../../../rewards/faithfulness/area.js';
import { citedRegions } from '../../../rewards/faithfulness/regions.js';
import { getReward } from '../../../rewards/index.js';
import { loadEmbedder } from '../../../rewards/semantic/embedder.js';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import type { RewardContext } from '../../../rewards/types.js';

let root: string;
let ctx: RewardContext;
let png: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'glimpse-faith-'));
  ctx = { services: { clip: await loadEmbedder(writeTinyClip(join(root, 'clip'))) } };
  png = join(root, 'halves.png');
  // left half red, right half blue (100 x 50)
  const data = Buffer.alloc(100 * 50 * 3);
  for (let y = 0; y < 50; y++) for (let x = 0; x < 100; x++) data.set(x < 50 ? [255, 0, 0] : [0, 0, 255], (y * 100 + x) * 3);
  await sharp(data, { raw: { width: 100, height: 50, channels: 3 } }).png().toFile(png);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const def = getReward('faithfulness.regions');
const sample = (answer: Record<string, unknown>, media = true): Sample => ({ id: 'f', prompt: 'what colour is the car?', media: media ? [{ kind: 'image', path: png }] : [], answer });
const run = async (completion: string, s: Sample, params: Record<string, unknown> = {}, c: RewardContext = ctx, extra: Record<string, unknown> = {}) => {
  const r = await def.score({ completion, sample: s, ...extra }, def.params.parse(params), c);
  return { ...r, d: r.details as Record<string, any> };
};

describe('area', () => {
  it('union and intersection areas are exact', () => {
    expect(unionAreas([[0, 0, 2, 2]], [[1, 1, 3, 3]])).toEqual({ a: 4, b: 4, both: 1 });
    expect(unionAreas([[0, 0, 2, 2], [1, 1, 3, 3]], [])).toEqual({ a: 7, b: 0, both: 0 });
    expect(cleanBox([3, 0, 1, 2])).toBeUndefined();
    expect(cleanBox([NaN, 0, 1, 2])).toBeUndefined();
    expect(cleanBox([0, 0, 1e300, 1e300])).toEqual([0, 0, 1e7, 1e7]);
  });
  it('property: max ≤ |∪| ≤ Σ, overlap ≤ min', () => {
    const box = fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 })).map(([x, y, w, h]) => [x, y, x + w, y + h] as BBox);
    fc.assert(
      fc.property(fc.array(box, { minLength: 1, maxLength: 6 }), fc.array(box, { maxLength: 6 }), (a, b) => {
        const u = unionAreas(a, b);
        const areas = a.map((r) => (r[2] - r[0]) * (r[3] - r[1]));
        return u.a >= Math.max(...areas) - 1e-9 && u.a <= areas.reduce((s, v) => s + v, 0) + 1e-9 && u.both <= Math.min(u.a, u.b) + 1e-9;
      }),
    );
  });
});

describe('citedRegions', () => {
  it('attaches each box to the words before it, within its clause', () => {
    const c = citedRegions('<think>First. The red car [0, 0, 50, 50] is parked next to the blue wall [50, 0, 100, 50]; done</think><answer>red</answer>');
    expect(c).toEqual([
      { bbox: [0, 0, 50, 50], phrase: 'The red car' },
      { bbox: [50, 0, 100, 50], phrase: 'is parked next to the blue wall' },
    ]);
    expect(citedRegions('<think>{"bbox_2d": [1, 2, 3, 4], "label": "dog"}</think>')[0]!.phrase).toBe('dog');
    expect(citedRegions(42)).toEqual([]);
    expect(citedRegions('[1, 2, 3, 4] '.repeat(1000))).toHaveLength(32);
  });
});

describe('faithfulness.regions', () => {
  it('reliability: a crop that matches its phrase is supported, a mislabelled one is not', async () => {
    const good = await run('<think>The red car [0, 0, 50, 50] is left.</think><answer>red</answer>', sample({}));
    expect(good.d.terms.reliability).toBe(1);
    expect(good.score).toBe(1);
    const bad = await run('<think>The blue car [0, 0, 50, 50] and the blue wall [50, 0, 100, 50].</think>', sample({}));
    expect(bad.d.supported).toEqual([false, true]);
    expect(bad.score).toBe(0.5);
  });

  it('coverage and minimality against the ground-truth region', async () => {
    const gt = { bbox: [0, 0, 50, 50] };
    const half = await run('<think>The red car [0, 0, 25, 50].</think>', sample(gt), { w_reliability: 0 });
    expect(half.d.terms.coverage).toBeCloseTo(0.5, 12);
    expect(half.d.terms.minimality).toBe(1);
    const everything = await run('<think>The car somewhere [0, 0, 100, 50].</think>', sample(gt), { w_reliability: 0, kappa: 1 });
    expect(everything.d.terms.coverage).toBe(1);
    expect(everything.d.terms.minimality).toBeCloseTo(0.5, 12);
    const all = await run('<think>The red car [0, 0, 50, 50].</think>', sample(gt));
    expect(all.d.terms).toEqual({ reliability: 1, coverage: 1, minimality: 1 });
  });

  it('boxes go through the coordinate map (norm1000 answers)', async () => {
    const coords = createCoordinateMap({ original: [100, 50], input: [100, 50], space: 'norm1000' });
    const r = await run('<think>The red car [0, 0, 500, 1000].</think>', sample({ bbox: [0, 0, 50, 50] }), {}, ctx, { coords });
    expect(r.d.terms).toEqual({ reliability: 1, coverage: 1, minimality: 1 });
  });

  it('without a model reliability is unavailable, not 0; with nothing to judge the score is null', async () => {
    const saved = process.env.GLIMPSE_CLIP_MODEL;
    delete process.env.GLIMPSE_CLIP_MODEL;
    try {
      const r = await run('<think>The blue car [0, 0, 50, 50].</think>', sample({ bbox: [0, 0, 50, 50] }), {}, {});
      expect(r.score).toBe(1);
      expect(r.d.terms.reliability).toBeNull();
      expect(r.d.reliability).toMatch(/^unavailable/);
      const none = await run('<think>The blue car [0, 0, 50, 50].</think>', sample({}), {}, {});
      expect(none.score).toBeNull();
    } finally {
      if (saved !== undefined) process.env.GLIMPSE_CLIP_MODEL = saved;
    }
  });

  it('hostile citations stay in range: outside the image, inverted, NaN, empty phrases', async () => {
    for (const c of ['<think>[500, 500, 600, 600] [50, 50, 0, 0] [NaN, 1, 2, 3] [0, 0, 1e300, 1e300]</think>', '<think>[0, 0, 1, 1]</think>', '<think>' + 'x [0, 0, 10, 10] '.repeat(5000) + '</think>']) {
      const r = await run(c, sample({ bbox: [0, 0, 50, 50] }));
      expect(r.score! >= 0 && r.score! <= 1).toBe(true);
    }
  });
});
