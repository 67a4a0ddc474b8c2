import { mkdtempSync, rmSync, unlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkModelFolder, cosine, loadEmbedder } from '../../../rewards/semantic/embedder.js';
import { resolveEmbedder } from '../../../rewards/semantic/services.js';
import { writeTinyClip } from '../../../rewards/semantic/tiny.js';
import type { RgbImage } from '../../../modalities/types.js';

let root: string;
let dir: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'glimpse-sem-'));
  dir = writeTinyClip(join(root, 'clip'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function solid(rgb: [number, number, number], w = 20, h = 16): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { width: w, height: h, data };
}

describe('embedder (tiny CLIP loaded through transformers.js)', () => {
  it('embeds texts and images; matching colours are most similar', async () => {
    const e = await loadEmbedder(dir);
    expect(e.kind).toBe('clip');
    const [red, blue] = await e.embedTexts(['A photo depicts a red circle', 'a BLUE square']);
    const [rImg, bImg] = await e.embedImages([solid([255, 0, 0]), solid([0, 0, 255])]);
    expect(red!.length).toBe(3);
    expect(cosine(red!, rImg!)).toBeGreaterThan(0.99);
    expect(cosine(blue!, bImg!)).toBeGreaterThan(0.99);
    expect(cosine(red!, bImg!)).toBeLessThan(0.5);
    // normalised
    expect(Math.hypot(...red!)).toBeCloseTo(1, 5);
  });

  it('loads once per process and batches independently of the batch size', async () => {
    const a = await loadEmbedder(dir);
    const b = await loadEmbedder(dir);
    expect(a).toBe(b);
    const small = await loadEmbedder(dir, { batchSize: 1, cacheSize: 0 });
    const texts = ['red', 'green car', 'a blue dog', 'unknownword'];
    const x = await small.embedTexts(texts);
    const y = await a.embedTexts(texts);
    for (let i = 0; i < texts.length; i++) expect([...x[i]!].map((v) => v.toFixed(5))).toEqual([...y[i]!].map((v) => v.toFixed(5)));
    // a text with no known word embeds to the zero vector (no NaN)
    expect([...x[3]!].every((v) => v === 0)).toBe(true);
  });

  it('caches by content in memory and on disk', async () => {
    const cacheDir = join(root, 'cache');
    const e = await loadEmbedder(dir, { cacheDir });
    await e.embedImages([solid([0, 255, 0]), solid([0, 255, 0])]);
    expect(e.stats().misses).toBe(1); // duplicates computed once
    await e.embedImages([solid([0, 255, 0])]);
    expect(e.stats().memoryHits).toBe(1);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.f32')).length).toBe(1);
    const fresh = await loadEmbedder(dir, { cacheDir, cacheSize: 0 });
    const [v] = await fresh.embedImages([solid([0, 255, 0])]);
    expect(fresh.stats().diskHits).toBe(1);
    expect(v![1]!).toBeGreaterThan(0.5);
    // a truncated cache file is a miss, recomputed and rewritten
    const [file] = readdirSync(cacheDir).filter((f) => f.endsWith('.f32'));
    writeFileSync(join(cacheDir, file!), new Uint8Array(new Float32Array([0.5, 0.5]).buffer));
    const again = await loadEmbedder(dir, { cacheDir, cacheSize: 0, batchSize: 3 });
    const [w] = await again.embedImages([solid([0, 255, 0])]);
    expect(again.stats()).toMatchObject({ diskHits: 0, misses: 1 });
    expect([...w!]).toEqual([...v!]);
  });

  it('bounds concurrency without losing results', async () => {
    const e = await loadEmbedder(dir, { batchSize: 2, concurrency: 2, cacheSize: 0 });
    const imgs = Array.from({ length: 9 }, (_, i) => solid([i * 25, 255 - i * 25, 0], 8 + i, 8));
    const out = await e.embedImages(imgs);
    expect(out).toHaveLength(9);
    expect(out.every((v) => v.length === 3 && v.every(Number.isFinite))).toBe(true);
  });

  it('a missing folder or file is a clear error naming the files and the source', async () => {
    expect(() => checkModelFolder(join(root, 'nope'))).toThrow(/does not exist/);
    const broken = writeTinyClip(join(root, 'broken'));
    unlinkSync(join(broken, 'onnx', 'vision_model.onnx'));
    unlinkSync(join(broken, 'tokenizer.json'));
    try {
      checkModelFolder(broken);
      expect.unreachable();
    } catch (e) {
      const err = e as { code: string; message: string; hint?: string };
      expect(err.code).toBe('not_found');
      expect(err.message).toContain('onnx/vision_model.onnx');
      expect(err.message).toContain('tokenizer.json');
      expect(err.hint).toContain('Xenova/clip-vit-base-patch32');
    }
    await expect(loadEmbedder(broken)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('corrupt config and corrupt ONNX are GlimpseErrors', async () => {
    const bad = writeTinyClip(join(root, 'bad'));
    writeFileSync(join(bad, 'config.json'), '{not json');
    expect(() => checkModelFolder(bad)).toThrow(/not valid JSON/);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    expect(() => checkModelFolder(bad)).toThrow(/not supported/);
    const garbage = writeTinyClip(join(root, 'garbage'));
    writeFileSync(join(garbage, 'onnx', 'text_model.onnx'), 'garbage');
    await expect(loadEmbedder(garbage)).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('resolution: unavailable without configuration, param and service paths work', async () => {
    const saved = { c: process.env.GLIMPSE_CLIP_MODEL, d: process.env.GLIMPSE_DINO_MODEL };
    delete process.env.GLIMPSE_CLIP_MODEL;
    delete process.env.GLIMPSE_DINO_MODEL;
    try {
      const none = await resolveEmbedder('text_image', '', undefined);
      expect(none.ok).toBe(false);
      expect(!none.ok && none.reason).toMatch(/^unavailable/);
      const missing = await resolveEmbedder('text_image', join(root, 'nope'), undefined);
      expect(!missing.ok && missing.reason).toMatch(/^unavailable: .*does not exist/);
      expect((await resolveEmbedder('text_image', dir, undefined)).ok).toBe(true);
      const e = await loadEmbedder(dir);
      const viaService = await resolveEmbedder('image_image', '', { services: { clip: e } });
      expect(viaService.ok && viaService.embedder).toBe(e);
      process.env.GLIMPSE_CLIP_MODEL = dir;
      expect((await resolveEmbedder('text_image', undefined, {})).ok).toBe(true);
    } finally {
      if (saved.c === undefined) delete process.env.GLIMPSE_CLIP_MODEL;
      else process.env.GLIMPSE_CLIP_MODEL = saved.c;
      if (saved.d !== undefined) process.env.GLIMPSE_DINO_MODEL = saved.d;
    }
  });

  it('SigLIP and DINOv2 folders load through their transformers.js classes', async () => {
    const siglip = await loadEmbedder(writeTinyClip(join(root, 'siglip'), { kind: 'siglip' }));
    expect(siglip.kind).toBe('siglip');
    const [t] = await siglip.embedTexts(['a yellow dog']);
    const [v] = await siglip.embedImages([solid([255, 255, 0])]);
    expect(cosine(t!, v!)).toBeGreaterThan(0.99);
    const dino = await loadEmbedder(writeTinyClip(join(root, 'dino'), { kind: 'dinov2' }));
    expect(dino.kind).toBe('dinov2');
    expect(dino.hasText).toBe(false);
    const [a, b, c] = await dino.embedImages([solid([0, 255, 255]), solid([0, 250, 250], 7, 9), solid([255, 0, 0])]);
    expect(cosine(a!, b!)).toBeGreaterThan(0.99);
    expect(cosine(a!, c!)).toBeLessThan(0);
    await expect(dino.embedTexts(['x'])).rejects.toMatchObject({ code: 'unsupported' });
    // a DINO folder cannot serve as the text–image model
    const r = await resolveEmbedder('text_image', join(root, 'dino'), undefined);
    expect(!r.ok && r.reason).toMatch(/needs clip or siglip/);
    expect((await resolveEmbedder('image_image', join(root, 'dino'), undefined)).ok).toBe(true);
  });

  it('bad inputs: malformed images are GlimpseErrors, huge and odd texts embed', async () => {
    const e = await loadEmbedder(dir);
    await expect(e.embedImages([{ width: 0, height: 5, data: new Uint8Array(0) }])).rejects.toMatchObject({ code: 'bad_input' });
    await expect(e.embedImages([{ width: 2, height: 2, data: new Uint8Array(5) }])).rejects.toMatchObject({ code: 'bad_input' });
    const out = await e.embedTexts(['red '.repeat(1 << 18), '', '\u0000🙂框', NaN as unknown as string]);
    expect(out).toHaveLength(4);
    expect(out.every((v) => v.every(Number.isFinite))).toBe(true);
    expect(cosine(out[0]!, (await e.embedTexts(['red']))[0]!)).toBeCloseTo(1, 5);
    const [tall] = await e.embedImages([solid([255, 0, 0], 1, 500)]);
    expect(tall!.every(Number.isFinite)).toBe(true);
  });
});
