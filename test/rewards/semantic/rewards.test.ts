import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Sample } from '../../../data/schema.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';
import { getReward } from '../../../rewards/index.js';
import { loadEmbedder, type Embedder } from '../../../rewards/semantic/embedder.js';
import { clipScoreOf } from '../../../rewards/semantic/clip_text_image.js';
import { harmonic } from '../../../rewards/semantic/refclip.js';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import type { RewardContext } from '../../../rewards/types.js';

let root: string;
let redPng: string;
let ctx: RewardContext;
let clip: Embedder;
const saved = process.env.GLIMPSE_CLIP_MODEL;

beforeAll(async () => {
  delete process.env.GLIMPSE_CLIP_MODEL;
  root = mkdtempSync(join(tmpdir(), 'glimpse-semr-'));
  clip = await loadEmbedder(writeTinyClip(join(root, 'clip')));
  ctx = { services: { clip } };
  redPng = join(root, 'red.png');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(redPng);
});
afterAll(async () => {
  if (saved !== undefined) process.env.GLIMPSE_CLIP_MODEL = saved;
  rmSync(root, { recursive: true, force: true });
  await closeDefaultSvgPool();
});

const sample = (answer: Record<string, unknown> = {}): Sample => ({ id: 's', prompt: '', media: [{ kind: 'image', path: redPng }], answer });
const score = async (name: string, completion: string, s: Sample, params: Record<string, unknown> = {}, c: RewardContext | undefined = ctx) => {
  const def = getReward(name);
  return def.score({ completion, sample: s }, def.params.parse(params), c);
};

describe('semantic.clip_text_image', () => {
  it('CLIP-S prefers the matching caption, within [0, 2.5]', async () => {
    const good = await score('semantic.clip_text_image', '<think>hm</think><answer>a red car</answer>', sample());
    const bad = await score('semantic.clip_text_image', '<answer>a blue car</answer>', sample());
    expect(good.score!).toBeGreaterThan(2.4);
    expect(bad.score!).toBeLessThan(good.score!);
    expect(good.details).toMatchObject({ caption: 'a red car', form: 'clip_s' });
  });
  it('sgp form is (1 + cos)/2', async () => {
    const r = await score('semantic.clip_text_image', 'green', sample(), { form: 'sgp' });
    const cos = (r.details as { cos: number }).cos;
    expect(r.score!).toBeCloseTo((1 + cos) / 2, 9);
    expect(cos).toBeLessThan(0.5);
  });
  it('unavailable (null, not 0) without a model; null for an unreadable image', async () => {
    const r = await score('semantic.clip_text_image', 'a red car', sample(), {}, {});
    expect(r.score).toBeNull();
    expect(r.reason).toMatch(/^unavailable/);
    const missing = await score('semantic.clip_text_image', 'red', { id: 'x', prompt: '', media: [{ kind: 'image', path: join(root, 'nope.png') }], answer: {} });
    expect(missing.score).toBeNull();
    expect(missing.reason).toMatch(/^image:/);
  });
  it('property: the mapping stays in range for any cosine, NaN included', () => {
    fc.assert(
      fc.property(fc.double(), fc.constantFrom('clip_s' as const, 'sgp' as const), (c, form) => {
        const v = clipScoreOf(c, { form, w: 2.5 });
        return Number.isFinite(v) && v >= 0 && v <= 2.5;
      }),
    );
  });
  it('never throws on hostile captions with a model', async () => {
    for (const c of ['', '\u0000', 'x'.repeat(1 << 20), '🙂 框', '<answer>', NaN as unknown as string]) {
      const r = await score('semantic.clip_text_image', c, sample());
      expect(r.score === null || (r.score >= 0 && r.score <= 2.5)).toBe(true);
    }
  });
});

describe('semantic.text_text and semantic.refclip', () => {
  it('text_text: cosine of text embeddings (3D-R1), clamp option', async () => {
    const same = await score('semantic.text_text', '<answer>red</answer>', sample({ text: 'a red one' }));
    expect(same.score!).toBeCloseTo(1, 5);
    const opposite = await score('semantic.text_text', '<answer>red</answer>', sample({ text: 'cyan' }));
    expect(opposite.score!).toBeCloseTo(-1, 5);
    const clamped = await score('semantic.text_text', '<answer>red</answer>', sample({ text: 'cyan' }), { clamp: true });
    expect(clamped.score).toBe(0);
    expect((await score('semantic.text_text', 'red', sample())).score).toBeNull();
  });
  it('refclip: harmonic mean of CLIP-S and the best reference cosine', async () => {
    const r = await score('semantic.refclip', 'a red car', sample({ references: ['a blue car', 'a red thing'] }));
    const d = r.details as { clip_s: number; best_reference: number };
    expect(d.best_reference).toBeCloseTo(1, 5);
    expect(r.score!).toBeCloseTo(harmonic(d.clip_s, d.best_reference), 9);
    const none = await score('semantic.refclip', 'a red car', sample({ references: ['cyan'] }));
    expect(none.score).toBe(0);
    expect(harmonic(0, 1)).toBe(0);
    expect(harmonic(2.5, 1)).toBeCloseTo(5 / 3.5, 12);
  });
});

describe('semantic.image_image', () => {
  it('(1 + cos)/2 of the rendered SVG against the reference; 0 when nothing renders', async () => {
    const red = await score('semantic.image_image', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="red"/></svg>', sample());
    const blue = await score('semantic.image_image', '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="blue"/></svg>', sample());
    expect(red.score!).toBeGreaterThan(0.99);
    expect(blue.score!).toBeLessThan(0.5);
    const none = await score('semantic.image_image', 'no svg', sample());
    expect(none.score).toBe(0);
    expect((await score('semantic.image_image', '<svg/>', { id: 'x', prompt: '', media: [], answer: {} })).score).toBeNull();
  });
});
