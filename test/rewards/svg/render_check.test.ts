import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../data/schema.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';
import { compilePipeline, getReward } from '../../../rewards/index.js';
import { loadEmbedder } from '../../../rewards/semantic/embedder.js';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import { checkSvgCompletion, checkSvgCompletions } from '../../../rewards/svg/pipeline.js';
import type { Embedder } from '../../../rewards/semantic/embedder.js';
import type { RewardContext } from '../../../rewards/types.js';

let root: string;
let ctx: RewardContext;
let refPng: string;
const saved = { c: process.env.GLIMPSE_CLIP_MODEL, d: process.env.GLIMPSE_DINO_MODEL };

beforeAll(async () => {
  delete process.env.GLIMPSE_CLIP_MODEL;
  delete process.env.GLIMPSE_DINO_MODEL;
  root = mkdtempSync(join(tmpdir(), 'glimpse-svgr-'));
  ctx = { services: { clip: await loadEmbedder(writeTinyClip(join(root, 'clip'))) } };
  refPng = join(root, 'ref.png');
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(refPng);
});
afterAll(async () => {
  if (saved.c !== undefined) process.env.GLIMPSE_CLIP_MODEL = saved.c;
  if (saved.d !== undefined) process.env.GLIMPSE_DINO_MODEL = saved.d;
  rmSync(root, { recursive: true, force: true });
  await closeDefaultSvgPool();
});

const RED = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="red"/></svg>';
const BLUE = RED.replace('red', 'blue');
const def = getReward('svg.render_check');
type D = { gate: { passed: boolean; format: { ok: boolean; via?: string }; render: { ok: boolean; code?: string; removed?: string[] } }; terms: Record<string, { value: number | null; reason?: string; cos?: number }> };
const run = async (completion: string, s: Sample, params: Record<string, unknown> = {}, c: RewardContext | undefined = ctx) => {
  const r = await def.score({ completion, sample: s }, def.params.parse(params), c);
  return { ...r, d: r.details as unknown as D };
};
const textSample: Sample = { id: 't', prompt: 'Draw this.', media: [], answer: { text: 'a red square' } };
const refSample: Sample = { id: 'r', prompt: 'Draw a red square', media: [], answer: {} };

describe('svg.render_check', () => {
  it('text-to-SVG: matching colour scores higher; every stage in details', async () => {
    const good = await run(`<think>plan</think><answer>${RED}</answer>`, textSample);
    const bad = await run(`<answer>${BLUE}</answer>`, textSample);
    expect(good.d.gate.passed).toBe(true);
    expect(good.d.gate.format.via).toBe('answer');
    expect(good.d.terms.text_image!.value!).toBeGreaterThan(0.99);
    expect(good.d.terms.image_image!.reason).toBe('no reference image');
    expect(good.score!).toBeCloseTo(good.d.terms.text_image!.value!, 12); // only available term
    expect(bad.score!).toBeLessThan(good.score!);
  });

  it('image-to-SVG: the image–image term uses the reference (CLIP image tower without DINO)', async () => {
    const s: Sample = { id: 'i', prompt: 'Reproduce the picture as SVG', media: [{ kind: 'image', path: refPng }], answer: {} };
    const r = await run(RED, s);
    expect(r.d.terms.image_image!.value!).toBeGreaterThan(0.99);
    const viaAnswer = await run(BLUE, { ...refSample, answer: { reference_image: refPng, text: 'blue' } });
    expect(viaAnswer.d.terms.image_image!.value!).toBeLessThan(0.5);
    expect(viaAnswer.d.terms.text_image!.value!).toBeGreaterThan(0.99);
    expect(viaAnswer.score!).toBeCloseTo((viaAnswer.d.terms.image_image!.value! + viaAnswer.d.terms.text_image!.value!) / 2, 12);
  });

  it('gate failures score 0 with the stage and reason', async () => {
    const none = await run('I cannot draw', textSample);
    expect(none.score).toBe(0);
    expect(none.d.gate.format.ok).toBe(false);
    const empty = await run('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>', textSample);
    expect(empty.score).toBe(0);
    expect(empty.d.gate.render.code).toBe('empty_render');
    const zero = await run('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 10"><rect width="5" height="5"/></svg>', textSample);
    expect(zero.d.gate.render.ok).toBe(false);
    const outside = await run(`sure: ${RED}`, textSample, { require_answer: true });
    expect(outside.score).toBe(0);
    expect(outside.reason).toMatch(/not inside <answer>/);
  });

  it('the sanitiser runs: scripts are removed and reported, the drawing still scores', async () => {
    const evil = RED.replace('</svg>', '<script>alert(1)</script></svg>');
    const r = await run(evil, textSample);
    expect(r.d.gate.passed).toBe(true);
    expect(r.d.gate.render.removed!.join(' ')).toMatch(/script/);
  });

  it('no model: gate and render run, similarity terms unavailable (null, not 0)', async () => {
    const r = await run(RED, textSample, {}, {});
    expect(r.score).toBe(1);
    expect(r.d.terms.text_image!.value).toBeNull();
    expect(r.d.terms.text_image!.reason).toMatch(/^unavailable/);
    const withLength = await run(RED, textSample, { variant: 'sgp_length' }, {});
    expect(withLength.score!).toBeCloseTo(1 - RED.length / 6000, 12);
    const missing = await run(RED, textSample, { model: join(root, 'no-such-model') }, {});
    expect(missing.d.terms.text_image!.reason).toMatch(/does not exist/);
  });

  it('length term clamps at 0 past length_max; weights override the variant', async () => {
    const long = RED.replace('</svg>', `${'<!-- x -->'.repeat(700)}</svg>`);
    const r = await run(long, textSample, { variant: 'sgp_length', text_weight: 0 });
    expect(r.d.terms.length!.value).toBe(0);
    expect(r.score).toBe(0);
    expect(r.d.terms.text_image!.reason).toBe('weight 0');
  });

  it('works in a pipeline with a context (services) and without one', async () => {
    const p = compilePipeline({ rewards: [{ name: 'svg.render_check' }, { name: 'semantic.clip_text_image', weight: 0 }] }, { source: 'test' });
    expect(p.isAsync).toBe(true);
    const r = await p.score({ completion: RED, sample: textSample });
    expect(r.components['svg.render_check']).toBe(1);
    expect(r.components['semantic.clip_text_image']).toBeNull();
  });

  it('never throws on hostile SVG', async () => {
    const hostile = ['<svg', '<svg>'.repeat(10000), `<svg xmlns="http://www.w3.org/2000/svg" width="1e9" height="1e9"><rect width="1e9" height="1e9"/></svg>`, '<svg xmlns="http://www.w3.org/2000/svg"><text>🙂 框</text></svg>', '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd" width="10" height="10"/></svg>'];
    for (const h of hostile) {
      const r = await run(h, textSample);
      expect(r.score! >= 0 && r.score! <= 1).toBe(true);
    }
  });

  it('a batch gives the same results as one completion at a time', async () => {
    const clip = ctx.services!.clip as Embedder;
    const o = { description: 'a red square', textModel: clip, imageModel: clip, reference: { width: 2, height: 2, data: new Uint8Array(12).fill(255) }, weights: { text: 1, image: 1, length: 1 }, lengthMax: 6000, size: 64, requireAnswer: false };
    const batch = [RED, 'nothing', BLUE, 42, `<answer>${RED}</answer>`];
    const together = await checkSvgCompletions(batch, o);
    for (let i = 0; i < batch.length; i++) {
      const alone = await checkSvgCompletion(batch[i], o);
      expect(together[i]!.total).toBeCloseTo(alone.total, 9);
      expect(JSON.stringify(together[i]!.terms)).toBe(JSON.stringify(alone.terms));
    }
    expect(together.map((r) => r.gate.passed)).toEqual([true, false, true, false, true]);
  });

  it('the description falls back to answer.label (the synthetic svg task), then the prompt', async () => {
    const byLabel = await run(RED, { id: 'l', prompt: 'Draw the shape described.', media: [], answer: { label: 'red square' } });
    expect(byLabel.d.terms.text_image!.value!).toBeGreaterThan(0.99);
    const byPrompt = await run(RED, { id: 'p', prompt: 'Draw a blue square', media: [], answer: {} });
    expect(byPrompt.d.terms.text_image!.value!).toBeLessThan(0.5);
  });
});
