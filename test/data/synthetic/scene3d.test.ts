import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { COLORS } from '../../../data/synthetic/grounding.js';
import { cubeSceneCloud, makeCubeScene, parseScene3dTaskOptions, renderCubeScene, scene3dSolution } from '../../../data/synthetic/scene3d.js';
import { loadSamplesJsonl } from '../../../data/jsonl.js';
import { compilePipeline } from '../../../rewards/compose.js';
import '../../../rewards/index.js';
import { identityCoordinateMap } from '../../../modalities/coords.js';
import { insideBox, project } from '../../../modalities/scene3d/index.js';
import { Rng } from '../../../src/util/rng.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'glimpse-syn-3d-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe('synthetic scene3d task', () => {
  const task = getSyntheticTask('scene3d');
  const o = parseScene3dTaskOptions({});

  it('places distinct-coloured, non-overlapping cubes on the floor inside the room', () => {
    const rng = new Rng(8);
    for (let i = 0; i < 100; i++) {
      const s = makeCubeScene(rng, o);
      expect(new Set(s.colors).size).toBe(s.colors.length);
      for (const [k, b] of s.boxes.entries()) {
        expect(b.center[2]).toBeCloseTo(b.size[2] / 2, 6);
        expect(b.center[0] - b.size[0] / 2).toBeGreaterThan(0);
        expect(b.center[1] + b.size[1] / 2).toBeLessThan(o.room);
        for (const c of s.boxes.slice(k + 1)) {
          const apart = Math.abs(b.center[0] - c.center[0]) > (b.size[0] + c.size[0]) / 2 || Math.abs(b.center[1] - c.center[1]) > (b.size[1] + c.size[1]) / 2;
          expect(apart).toBe(true);
        }
      }
    }
  });

  it("puts each cube's coloured points inside its box and shows the target in a view", () => {
    const rng = new Rng(21);
    for (let i = 0; i < 4; i++) {
      const s = makeCubeScene(rng, o);
      const { cloud } = cubeSceneCloud(s);
      for (let p = 0; p < cloud.count; p++) {
        const [r, g, b] = [cloud.colors![p * 3], cloud.colors![p * 3 + 1], cloud.colors![p * 3 + 2]];
        const k = s.colors.findIndex((c) => rgb(COLORS[c]).join() === [r, g, b].join());
        if (k < 0) continue; // floor
        const box = s.boxes[k]!;
        const grown = { ...box, size: box.size.map((v) => v + 1e-3) as [number, number, number] };
        expect(insideBox(grown, cloud.positions[p * 3]!, cloud.positions[p * 3 + 1]!, cloud.positions[p * 3 + 2]!)).toBe(true);
      }
      // the target's centre projects onto pixels of its colour in at least one view
      const img = renderCubeScene(s, o);
      const target = s.boxes[s.target]!;
      const want = rgb(COLORS[s.colors[s.target]!]);
      let seen = false;
      img.render.views.forEach((v, k) => {
        const [u, w] = project(v.camera, target.center);
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const x = Math.round(u) + dx;
            const y = Math.round(w) + dy;
            if (x < 0 || y < 0 || x >= o.size || y >= o.size) continue;
            const off = (y * img.width + k * o.size + x) * 3;
            const px = [img.data[off]!, img.data[off + 1]!, img.data[off + 2]!];
            // the renderer darkens far points: compare chromaticity, not brightness
            const sum = (a: number[]) => a[0]! + a[1]! + a[2]! + 1;
            if (px.every((c, j) => Math.abs(c / sum(px) - want[j]! / sum(want)) < 0.08)) seen = true;
          }
        }
      });
      expect(seen, `scene ${i}: target not visible at its projected centre`).toBe(true);
    }
  });

  it('generates deterministic splits (JSONL and PNG byte for byte)', async () => {
    const a = tmp();
    const b = tmp();
    expect((await task.generate(a, { seed: 5, splits: { train: 4, test: 2 } })).reused).toBe(false);
    await task.generate(b, { seed: 5, splits: { train: 4, test: 2 } });
    for (const f of ['train.jsonl', 'test.jsonl', 'images/train-000003.png', 'images/test-000001.png']) {
      expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
    const { samples, problems } = await loadSamplesJsonl(join(a, 'train.jsonl'));
    expect(problems).toEqual([]);
    const meta = await sharp(samples[0]!.media[0]!.path!).metadata();
    expect([meta.width, meta.height]).toEqual([224, 112]);
    const p = compilePipeline(task.pipeline, { source: 'scene3d' });
    for (const s of samples) {
      expect(s.prompt).toContain(`Where is the ${s.answer.label}?`);
      const best = p.scoreSync({ completion: task.solution!(s, identityCoordinateMap()), sample: s });
      expect(best.reward).toBeGreaterThan(1.5 - 0.05); // the solution rounds to centimetres
      const other = s.answer.boxes3d!.find((x) => x.label !== s.answer.label)!;
      expect(p.scoreSync({ completion: scene3dSolution(other), sample: s }).reward).toBeLessThan(best.reward);
      expect(p.scoreSync({ completion: '<answer>{"bbox_3d": [0, 0, 0, 1, 1, 1]}</answer>', sample: s }).reward).toBeLessThan(best.reward);
    }
  }, 60_000);

  it('rejects bad options and split sizes with clear errors', async () => {
    const out = tmp();
    expect(() => parseScene3dTaskOptions({ objects: 9 })).toThrow(/scene3d task options: objects/);
    expect(() => parseScene3dTaskOptions({ min_side: 1, max_side: 0.5 })).toThrow(/min_side/);
    expect(() => parseScene3dTaskOptions({ room: 2, max_side: 1.5 })).toThrow(/max_side/);
    expect(() => parseScene3dTaskOptions({ views: 0 })).toThrow(/views/);
    await expect(task.generate(out, { seed: 1, splits: { train: 1, test: 1 }, options: { size: 8 } })).rejects.toThrow(/size/);
    await expect(task.generate(out, { seed: 1, splits: { train: -3, test: 1 } })).rejects.toThrow(/splits.train/);
    await expect(task.generate(out, { seed: 1, splits: { train: 1, test: 0 }, options: { room: 2, objects: 4, min_side: 1, max_side: 1 } })).rejects.toThrow(/could not place 4 cubes/);
    expect(() => task.solution!({ id: 'x', prompt: '', media: [], answer: {} }, identityCoordinateMap())).toThrow(/answer.box3d/);
  });
});
