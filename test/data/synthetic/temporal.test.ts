import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../../src/util/rng.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { COLORS, type ColorName } from '../../../data/synthetic/grounding.js';
import { contactSheet, makeTemporalItem, parseTemporalOptions, temporalSolution } from '../../../data/synthetic/temporal.js';
import { loadSamplesJsonl } from '../../../data/jsonl.js';
import { compilePipeline } from '../../../rewards/compose.js';
import '../../../rewards/index.js';
import { identityCoordinateMap } from '../../../modalities/coords.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'glimpse-syn-temporal-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const dist = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe('synthetic temporal task', () => {
  const task = getSyntheticTask('temporal');
  const dirA = tmp();

  it('generates deterministic splits (JSONL, videos and frame sheets byte for byte)', async () => {
    const b = tmp();
    expect((await task.generate(dirA, { seed: 2, splits: { train: 5, test: 2 } })).reused).toBe(false);
    await task.generate(b, { seed: 2, splits: { train: 5, test: 2 } });
    for (const f of ['train.jsonl', 'test.jsonl', 'images/train-000003.png', 'images/test-000001.png', 'videos/train-000004.mkv']) {
      expect(readFileSync(join(dirA, f)).equals(readFileSync(join(b, f))), f).toBe(true);
    }
    expect((await task.generate(dirA, { seed: 2, splits: { train: 5, test: 2 } })).reused).toBe(true);
  }, 60_000);

  it('shows the square in exactly the frames whose time lies in the span', async () => {
    const { samples, problems } = await loadSamplesJsonl(join(dirA, 'train.jsonl'));
    expect(problems).toEqual([]);
    expect(samples).toHaveLength(5);
    for (const s of samples) {
      const [start, end] = s.answer.span!;
      expect(end).toBeGreaterThan(start);
      const color = s.answer.label!.split(' ')[0] as ColorName;
      expect(s.prompt).toContain(`When is the ${color} square visible?`);
      const m = s.media[0]!;
      const times = m.meta!.frame_times as number[];
      expect(times).toHaveLength(8);
      for (const t of times) expect(s.prompt).toContain(`${t.toFixed(2)}s`);
      const [x1, y1, x2, y2] = s.meta!.square as number[];
      const cx = Math.floor((x1! + x2!) / 2);
      const cy = Math.floor((y1! + y2!) / 2);
      const { data, info } = await sharp(m.path!).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([224, 112]);
      let shown = 0;
      times.forEach((t, k) => {
        const o = (((Math.floor(k / 4) * 56 + cy) * info.width) + (k % 4) * 56 + cx) * 3;
        const px = [data[o]!, data[o + 1]!, data[o + 2]!];
        const visible = dist(px, rgb(COLORS[color])) < dist(px, [128, 128, 128]);
        expect(visible, `${s.id} frame ${k} at ${t}s, span [${start}, ${end}]`).toBe(t >= start && t <= end);
        if (visible) shown++;
      });
      expect(shown).toBeGreaterThan(0);
    }
  });

  it('the pipeline scores the reference solution at the maximum and wrong spans lower', async () => {
    const { samples } = await loadSamplesJsonl(join(dirA, 'test.jsonl'));
    const p = compilePipeline(task.pipeline, { source: 'temporal' });
    for (const s of samples) {
      const best = p.scoreSync({ completion: task.solution!(s, identityCoordinateMap()), sample: s });
      expect(best.reward).toBeCloseTo(1.5, 6);
      const [a, b] = s.answer.span!;
      expect(p.scoreSync({ completion: temporalSolution([a + 1, b + 1]), sample: s }).reward).toBeLessThan(best.reward);
      expect(p.scoreSync({ completion: '<answer>never</answer>', sample: s }).reward).toBeLessThan(best.reward);
    }
  });

  it('draws spans of whole frames, long enough, inside the video, and squares inside the frame (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 16, max: 100 }), (seed, duration, fps, size) => {
        const minLength = Math.min(2, duration - 1);
        let o;
        try {
          o = parseTemporalOptions({ duration, fps, size, frames: 2, min_length: minLength });
        } catch (err) {
          return /no room for an event/.test(String(err)) && Math.ceil(0.5 * fps) + Math.ceil(minLength * fps) > Math.floor((duration - 0.5) * fps);
        }
        const it = makeTemporalItem(new Rng(seed), o);
        const [s, e] = it.span;
        const whole = (v: number) => Math.abs(v * fps - Math.round(v * fps)) < 1e-9;
        return s >= 0.5 - 1e-9 && e <= duration - 0.5 + 1e-9 && e - s >= minLength - 1e-9 && whole(s) && whole(e) && it.x >= 0 && it.y >= 0 && it.x + it.side <= size && it.y + it.side <= size;
      }),
      { numRuns: 200 },
    );
  });

  it('lays out a contact sheet in reading order', () => {
    const f = (v: number) => ({ width: 3, height: 3, data: new Uint8Array(27).fill(v) });
    const sheet = contactSheet([f(10), f(20), f(30)], 2);
    expect([sheet.width, sheet.height]).toEqual([6, 6]);
    const at = (x: number, y: number) => sheet.data[(y * 6 + x) * 3];
    expect([at(1, 1), at(4, 1), at(1, 4), at(4, 4)]).toEqual([10, 20, 30, 255]);
    expect(at(0, 0)).toBe(32); // frame border
  });

  it('rejects bad options and split sizes with clear errors', async () => {
    const out = tmp();
    expect(() => parseTemporalOptions({ duration: 1 })).toThrow(/temporal task options: duration/);
    expect(() => parseTemporalOptions({ duration: 4, min_length: 3.5 })).toThrow(/min_length/);
    expect(() => parseTemporalOptions({ frames: 40 })).toThrow(/frames/);
    expect(() => parseTemporalOptions({ duration: 2, fps: 1, frames: 3 })).toThrow(/frames must be at most/);
    expect(() => parseTemporalOptions({ colors: [] })).toThrow(/colors/);
    expect(() => parseTemporalOptions({ duration: 2, fps: 1, frames: 2, min_length: 1 })).toThrow(/no room for an event/);
    await expect(task.generate(out, { seed: 1, splits: { train: 1, test: 1 }, options: { size: 'big' } })).rejects.toThrow(/size/);
    await expect(task.generate(out, { seed: 1, splits: { train: Number.NaN, test: 1 } })).rejects.toThrow(/splits.train/);
    expect(() => task.solution!({ id: 'x', prompt: '', media: [], answer: {} }, identityCoordinateMap())).toThrow(/answer.span/);
  });
});
