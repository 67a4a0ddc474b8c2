import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { makeSvgItem, regionBox, svgReference, REGIONS } from '../../../data/synthetic/svg.js';
import { COLORS } from '../../../data/synthetic/grounding.js';
import { loadSamplesJsonl } from '../../../data/jsonl.js';
import { compilePipeline } from '../../../rewards/compose.js';
import '../../../rewards/index.js';
import { closeDefaultSvgPool, renderSvg } from '../../../modalities/svg/index.js';
import { identityCoordinateMap } from '../../../modalities/coords.js';
import { Rng } from '../../../src/util/rng.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'glimpse-syn-svg-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await closeDefaultSvgPool();
});

describe('synthetic svg task', () => {
  const task = getSyntheticTask('svg');

  it('generates deterministic text-only splits and reuses a matching folder', async () => {
    const a = tmp();
    const b = tmp();
    expect((await task.generate(a, { seed: 4, splits: { train: 12, test: 4 } })).reused).toBe(false);
    await task.generate(b, { seed: 4, splits: { train: 12, test: 4 } });
    expect(readFileSync(join(a, 'train.jsonl'), 'utf8')).toBe(readFileSync(join(b, 'train.jsonl'), 'utf8'));
    expect(readFileSync(join(a, 'test.jsonl'), 'utf8')).toBe(readFileSync(join(b, 'test.jsonl'), 'utf8'));
    expect((await task.generate(a, { seed: 4, splits: { train: 12, test: 4 } })).reused).toBe(true);
    const c = tmp();
    await task.generate(c, { seed: 5, splits: { train: 12, test: 4 } });
    expect(readFileSync(join(c, 'train.jsonl'), 'utf8')).not.toBe(readFileSync(join(a, 'train.jsonl'), 'utf8'));
    const { samples, problems } = await loadSamplesJsonl(join(a, 'train.jsonl'));
    expect(problems).toEqual([]);
    for (const s of samples) {
      expect(s.media).toEqual([]);
      expect(s.prompt).toContain(`${s.answer.label}`);
      expect(s.answer.bbox).toEqual(regionBox(s.meta!.region as keyof typeof REGIONS, 240));
    }
  });

  it('reference drawings put the asked colour inside the asked cell (rendered pixels)', async () => {
    const rng = new Rng(9);
    for (let i = 0; i < 6; i++) {
      const it = makeSvgItem(rng);
      const img = await renderSvg(svgReference(it.canvas, it.bbox, it.shape, COLORS[it.color]), { width: 240, height: 240 });
      const cx = Math.round((it.bbox[0] + it.bbox[2]) / 2);
      const cy = Math.round((it.bbox[1] + it.bbox[3]) / 2 + (it.shape === 'triangle' ? 10 : 0));
      const o = (cy * 240 + cx) * 3;
      const hex = '#' + [img.data[o], img.data[o + 1], img.data[o + 2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
      expect(hex).toBe(COLORS[it.color]);
      // and nothing of that colour outside the cell
      for (let y = 0; y < 240; y += 4) {
        for (let x = 0; x < 240; x += 4) {
          const p = (y * 240 + x) * 3;
          const same = img.data[p] === parseInt(COLORS[it.color].slice(1, 3), 16) && img.data[p + 1] === parseInt(COLORS[it.color].slice(3, 5), 16);
          if (same) expect(x >= it.bbox[0] && x <= it.bbox[2] && y >= it.bbox[1] && y <= it.bbox[3]).toBe(true);
        }
      }
    }
  });

  it('the pipeline scores the reference solution at the maximum and wrong drawings lower', async () => {
    const out = tmp();
    await task.generate(out, { seed: 1, splits: { train: 8, test: 0 } });
    const { samples } = await loadSamplesJsonl(join(out, 'train.jsonl'));
    const p = compilePipeline(task.pipeline, { source: 'svg' });
    const coords = identityCoordinateMap();
    for (const s of samples) {
      const best = await p.score({ completion: task.solution!(s, coords), sample: s });
      expect(best.reward).toBeCloseTo(1.5, 6);
      // the same shape moved to the opposite cell
      const [c, r] = REGIONS[s.meta!.region as keyof typeof REGIONS];
      const other = (Object.keys(REGIONS) as Array<keyof typeof REGIONS>).find((k) => REGIONS[k][0] === 2 - c && REGIONS[k][1] === 2 - r && !(c === 1 && r === 1)) ?? 'top-left';
      const wrong = `<think></think><answer>${svgReference(240, regionBox(other, 240), s.answer.shape as 'circle', s.answer.color as string)}</answer>`;
      expect((await p.score({ completion: wrong, sample: s })).reward).toBeLessThan(best.reward);
      expect((await p.score({ completion: 'I cannot draw', sample: s })).reward).toBeLessThan(best.reward);
    }
  });

  it('rejects bad options and split sizes with clear errors', async () => {
    const out = tmp();
    await expect(task.generate(out, { seed: 1, splits: { train: 2, test: 1 }, options: { canvas: 5 } })).rejects.toThrow(/svg task options: canvas/);
    await expect(task.generate(out, { seed: 1, splits: { train: 2, test: 1 }, options: { colors: ['purple'] } })).rejects.toThrow(/colors/);
    await expect(task.generate(out, { seed: 1, splits: { train: 2, test: 1 }, options: { nope: 1 } })).rejects.toThrow(/nope/);
    await expect(task.generate(out, { seed: 1, splits: { train: -1, test: 1 } })).rejects.toThrow(/splits.train/);
    await expect(task.generate(out, { seed: 1, splits: { train: 1.5, test: 1 } })).rejects.toThrow(/splits.train/);
    expect(() => task.solution!({ id: 'x', prompt: '', media: [], answer: {} }, identityCoordinateMap())).toThrow(/answer.bbox/);
  });
});
