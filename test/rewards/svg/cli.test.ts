import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import { runSvgReward } from '../../../src/cli/reward/svg.js';

let root: string;
let model: string;
let ref: string;
const RED = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="red"/></svg>';
const saved = { c: process.env.GLIMPSE_CLIP_MODEL, d: process.env.GLIMPSE_DINO_MODEL };

beforeAll(async () => {
  delete process.env.GLIMPSE_CLIP_MODEL;
  delete process.env.GLIMPSE_DINO_MODEL;
  root = mkdtempSync(join(tmpdir(), 'glimpse-svgcli-'));
  model = writeTinyClip(join(root, 'clip'));
  ref = join(root, 'ref.png');
  await sharp({ create: { width: 30, height: 20, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toFile(ref);
  writeFileSync(join(root, 'red.svg'), RED);
});
afterAll(() => {
  if (saved.c !== undefined) process.env.GLIMPSE_CLIP_MODEL = saved.c;
  if (saved.d !== undefined) process.env.GLIMPSE_DINO_MODEL = saved.d;
  rmSync(root, { recursive: true, force: true });
});

describe('glimpse reward svg', () => {
  it('prints gate, terms and total; saves the render and a side-by-side PNG', async () => {
    let out = '';
    const [r] = await runSvgReward([join(root, 'red.svg')], { prompt: 'a red square', reference: ref, model }, (s) => (out += s));
    expect(out).toMatch(/gate: passed/);
    expect(out).toMatch(/text_image: (0\.9\d+|1\.0000)/);
    expect(out).toMatch(/image_image: 0\.[0-4]/); // blue reference vs red drawing
    expect(out).toMatch(/total: /);
    expect(r!.result.total).toBeCloseTo((r!.result.terms.text_image.value! + r!.result.terms.image_image.value!) / 2, 12);
    const side = await sharp(join(root, 'red.side.png')).metadata();
    expect(side.width).toBe(256 * 2 + 8);
    const render = await sharp(join(root, 'red.render.png')).raw().toBuffer();
    expect([render[0], render[1], render[2]]).toEqual([255, 0, 0]);
  });

  it('without models the terms are reported unavailable, not 0', async () => {
    let out = '';
    await runSvgReward([join(root, 'red.svg')], { prompt: 'a red square', noSave: true }, (s) => (out += s));
    expect(out).toMatch(/text_image: unavailable/);
    expect(out).toMatch(/total: 1\.0000/);
  });

  it('JSONL batch: one JSON line per item, references relative to the file, gate failures reported', async () => {
    const batch = join(root, 'batch.jsonl');
    writeFileSync(batch, [JSON.stringify({ id: 'a', svg: RED, prompt: 'red', reference: 'ref.png' }), '', JSON.stringify({ id: 'b', completion: 'no drawing' })].join('\n'));
    const outFile = join(root, 'out.jsonl');
    await runSvgReward([], { jsonl: batch, out: outFile, model, saveDir: join(root, 'renders') });
    const lines = readFileSync(outFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', 'b']);
    expect(lines[0].gate.passed).toBe(true);
    expect(lines[0].terms.image_image.value).toBeLessThan(0.5);
    expect(lines[1].gate.passed).toBe(false);
    expect(lines[1].total).toBe(0);
    expect(existsSync(join(root, 'renders', 'a.render.png'))).toBe(true);
    expect(existsSync(join(root, 'renders', 'a.side.png'))).toBe(true);
  });

  it('bad input is a clear GlimpseError', async () => {
    await expect(runSvgReward([], {})).rejects.toMatchObject({ code: 'bad_config' });
    await expect(runSvgReward([join(root, 'missing.svg')], {})).rejects.toMatchObject({ code: 'not_found' });
    await expect(runSvgReward([join(root, 'red.svg')], { model: join(root, 'nope') })).rejects.toThrow(/--model: .*does not exist/);
    await expect(runSvgReward([join(root, 'red.svg')], { variant: 'nope' })).rejects.toMatchObject({ code: 'bad_config' });
    await expect(runSvgReward([join(root, 'red.svg')], { size: '99999' })).rejects.toThrow(/--size/);
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, '{"id": 1, "svg": "<svg/>"}\n{truncated');
    await expect(runSvgReward([], { jsonl: bad })).rejects.toThrow(/bad\.jsonl:2: not JSON/);
    writeFileSync(bad, '{"id": 1}');
    await expect(runSvgReward([], { jsonl: bad })).rejects.toThrow(/needs a "completion" or "svg"/);
    await expect(runSvgReward([join(root, 'red.svg')], { reference: join(root, 'red.svg') })).rejects.toMatchObject({ name: 'GlimpseError' });
  });
});
