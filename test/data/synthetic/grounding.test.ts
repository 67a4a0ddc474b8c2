import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../../../src/util/rng.js';
import { COLORS, DARK_INK, labelBox, makeGroundingScene, renderGroundingScene } from '../../../data/synthetic/grounding.js';
import { getSyntheticTask, listSyntheticTasks } from '../../../data/synthetic/index.js';
import { loadSamplesJsonl } from '../../../data/jsonl.js';

describe('synthetic grounding task', () => {
  it('places a unique target and non-overlapping shapes inside the canvas', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 200; i++) {
      const s = makeGroundingScene(rng, { canvas: 112 });
      const t = s.shapes[s.target]!;
      const same = s.shapes.filter((x) => x.shape === t.shape && x.color === t.color && x.size === t.size);
      expect(same).toHaveLength(1);
      expect(s.prompt).toContain(`${t.size} ${t.color} ${t.shape}`);
      for (const x of s.shapes) {
        expect(x.bbox[0]).toBeGreaterThanOrEqual(0);
        expect(x.bbox[2]).toBeLessThanOrEqual(112);
        expect(x.bbox[2]).toBeGreaterThan(x.bbox[0]);
      }
    }
  });

  it('draws the target in its colour at the centre of its box', async () => {
    const scene = makeGroundingScene(new Rng(5), { canvas: 112 });
    const png = renderGroundingScene(scene);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([112, 112]);
    for (const s of scene.shapes) {
      const cx = Math.round((s.bbox[0] + s.bbox[2]) / 2);
      const cy = Math.round((s.bbox[1] + s.bbox[3]) / 2 + (s.shape === 'triangle' ? (s.bbox[3] - s.bbox[1]) / 4 : 0));
      const o = (cy * info.width + cx) * 3;
      const hex = '#' + [data[o], data[o + 1], data[o + 2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
      expect(hex).toBe(COLORS[s.color]);
    }
  });

  it('generates deterministic train/test splits and reuses a matching folder', async () => {
    const task = getSyntheticTask('grounding');
    const a = mkdtempSync(join(tmpdir(), 'glimpse-syn-'));
    const b = mkdtempSync(join(tmpdir(), 'glimpse-syn-'));
    const r1 = await task.generate(a, { seed: 3, splits: { train: 6, test: 3 } });
    await task.generate(b, { seed: 3, splits: { train: 6, test: 3 } });
    expect(r1.reused).toBe(false);
    expect(readFileSync(join(a, 'train.jsonl'), 'utf8')).toBe(readFileSync(join(b, 'train.jsonl'), 'utf8'));
    expect(readFileSync(join(a, 'images/test-000002.png'))).toEqual(readFileSync(join(b, 'images/test-000002.png')));
    const mtime = statSync(join(a, 'train.jsonl')).mtimeMs;
    expect((await task.generate(a, { seed: 3, splits: { train: 6, test: 3 } })).reused).toBe(true);
    expect(statSync(join(a, 'train.jsonl')).mtimeMs).toBe(mtime);
    const { samples, problems } = await loadSamplesJsonl(join(a, 'test.jsonl'));
    expect(problems).toEqual([]);
    expect(samples).toHaveLength(3);
    expect(samples[0]!.answer.bbox).toHaveLength(4);
  });

  it('dark ink draws every shape near-black and names no colour; a generic prompt is one fixed sentence; opacity lets the background through', async () => {
    const rng = new Rng(9);
    const scene = makeGroundingScene(rng, { layout: 'grid', cells: 3, minShapes: 1, maxShapes: 1, background: 'gradient', ink: 'dark' });
    const t = scene.shapes[0]!;
    expect(scene.prompt).toBe(`Find the ${t.size} ${t.shape}; answer its bbox_2d.`);
    const px = async (png: Uint8Array, x: number, y: number) => {
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const o = (y * info.width + x) * 3;
      return [data[o]!, data[o + 1]!, data[o + 2]!];
    };
    const cx = Math.round((t.bbox[0] + t.bbox[2]) / 2);
    const cy = Math.round((t.bbox[1] + t.bbox[3]) / 2 + (t.shape === 'triangle' ? (t.bbox[3] - t.bbox[1]) / 4 : 0));
    const ink = parseInt(DARK_INK.slice(1, 3), 16);
    expect(await px(renderGroundingScene(scene), cx, cy)).toEqual([ink, ink, ink]);
    // half-transparent ink: the centre is lighter than the ink and takes on the background's hue
    const faint = await px(renderGroundingScene({ ...scene, opacity: 0.5 }), cx, cy);
    expect(Math.min(...faint)).toBeGreaterThan(ink + 40);
    const generic = makeGroundingScene(new Rng(2), { layout: 'grid', minShapes: 1, maxShapes: 1, prompt: 'generic' });
    expect(generic.prompt).toBe('Find the shape; answer its bbox_2d.');
    expect(() => makeGroundingScene(new Rng(2), { layout: 'grid', minShapes: 1, maxShapes: 2, prompt: 'generic' })).toThrow(/generic needs maxShapes 1/);
    expect(() => makeGroundingScene(new Rng(2), { opacity: 0 })).toThrow(/opacity/);
    expect(() => makeGroundingScene(new Rng(2), { opacity: Number.NaN })).toThrow(/opacity/);
    expect(() => makeGroundingScene(new Rng(2), { ink: 'neon' as never })).toThrow(/ink must be/);
  });

  it('grid jitter: offsets from the cell centre stay within the cap and the cell; absurd caps are refused', () => {
    const rng = new Rng(4);
    const offsets = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const s = makeGroundingScene(rng, { layout: 'grid', cells: 3, minShapes: 1, maxShapes: 1, jitter: 7 });
      const b = s.shapes[0]!.bbox;
      const side = b[2] - b[0];
      const cell = Math.floor(b[0] / 28);
      const centreOffset = b[0] - (cell * 28 + Math.floor((28 - side) / 2));
      expect(Math.abs(centreOffset)).toBeLessThanOrEqual(Math.min(7, Math.floor((28 - side) / 2)));
      expect(Math.floor((b[2] - 1) / 28)).toBe(cell); // the shape stays inside its cell
      offsets.add(centreOffset);
    }
    expect(Math.max(...offsets)).toBeGreaterThanOrEqual(5); // the cap is used, not only the default ±2
    for (const bad of [-1, 1.5, 29, Number.NaN]) expect(() => makeGroundingScene(new Rng(1), { layout: 'grid', jitter: bad })).toThrow(/jitter/);
  });

  it('labelMargin: the warm-start reference is the box padded per side (clipped to the canvas); the answer stays tight', async () => {
    const task = getSyntheticTask('grounding');
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-syn-'));
    await task.generate(dir, { seed: 2, splits: { train: 4, test: 2 }, options: { labelMargin: 5 } });
    const { samples } = await loadSamplesJsonl(join(dir, 'train.jsonl'));
    const { identityCoordinateMap } = await import('../../../modalities/coords.js');
    for (const smp of samples) {
      const b = smp.answer.bbox!;
      const want = [Math.max(0, b[0] - 5), Math.max(0, b[1] - 5), Math.min(84, b[2] + 5), Math.min(84, b[3] + 5)];
      expect(task.solution!(smp, identityCoordinateMap([84, 84]))).toBe(`<think></think><answer>{"bbox_2d": [${want.join(', ')}]}</answer>`);
    }
    expect(labelBox([2, 3, 80, 81], 5, 84)).toEqual([0, 0, 84, 84]);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(task.generate(mkdtempSync(join(tmpdir(), 'glimpse-syn-')), { seed: 1, splits: { train: 1, test: 1 }, options: { labelMargin: bad } })).rejects.toThrow(/labelMargin/);
    }
  });

  it('rejects absurd options and unknown task names', () => {
    expect(() => makeGroundingScene(new Rng(1), { canvas: 10 })).toThrow(/canvas/);
    expect(() => makeGroundingScene(new Rng(1), { minShapes: 3, maxShapes: 2 })).toThrow(/minShapes/);
    expect(() => getSyntheticTask('nope')).toThrow(/known tasks: .*grounding/);
    expect(listSyntheticTasks()).toContain('grounding');
  });
});
