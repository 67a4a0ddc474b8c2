/**
 * Synthetic 3D grounding in rendered views: a floor of grey points (darker grid lines every metre)
 * with a few cubes of coloured points standing on it, rendered through the scene3d modality
 * (renderScene: orbit cameras, z-buffered splats) from `views` directions, the views laid side by
 * side in one PNG. "Where is the red cube?": the answer is its 3D box (Sample `answer.box3d`:
 * centre and size in metres, z up), scored by geometry.iou3d (ScanRefer 3D IoU) + format.
 *
 * The point cloud is not stored (it is a pure function of the boxes: cubeSceneCloud rebuilds it
 * from `answer.boxes3d` and `meta.colors`).
 * Deterministic by seed: the same seed gives byte-identical JSONL and PNG files.
 *
 * Model answer format: <think>…</think><answer>{"bbox_3d": [x, y, z, dx, dy, dz]}</answer>
 */
import { join } from 'node:path';
import { z } from 'zod';
import { formatZodError, type Box3D, type SampleInput } from '../schema.js';
import { encodeRgbPng } from '../../modalities/svg/png.js';
import { renderScene } from '../../modalities/scene3d/index.js';
import type { Scene } from '../../modalities/scene3d/index.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { GlimpseError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { COLORS, type ColorName } from './grounding.js';
import type { SyntheticTask } from './index.js';
import { checkSplitSizes } from './svg.js';
import { manifestMatches, writeManifest, writeSplit, type TaskManifest } from './write.js';

export const Scene3dTaskOptionsSchema = z
  .object({
    room: z.number().min(2).max(20).default(4).describe('side of the square floor in metres; the floor spans [0, room] × [0, room]'),
    objects: z.number().int().min(1).max(4).default(3).describe('cubes per scene, each of a different colour'),
    views: z.number().int().min(1).max(4).default(2).describe('rendered views, laid side by side'),
    size: z.number().int().min(32).max(1024).default(112).describe('side of each view in pixels'),
    min_side: z.number().positive().default(0.4).describe('smallest cube side in metres'),
    max_side: z.number().positive().default(0.9).describe('largest cube side in metres'),
  })
  .strict()
  .refine((o) => o.min_side <= o.max_side, { message: 'min_side must be ≤ max_side', path: ['min_side'] })
  .refine((o) => o.max_side * 2 <= o.room, { message: 'max_side must be at most half the room', path: ['max_side'] });
export type Scene3dTaskOptions = z.input<typeof Scene3dTaskOptionsSchema>;
type Resolved = z.output<typeof Scene3dTaskOptionsSchema>;

export function parseScene3dTaskOptions(o: unknown): Resolved {
  const r = Scene3dTaskOptionsSchema.safeParse(o ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `scene3d task options: ${formatZodError(r.error)}`);
  return r.data;
}

export interface CubeScene {
  room: number;
  /** Cubes, axis-aligned, labelled `<colour> cube`. */
  boxes: Box3D[];
  colors: ColorName[];
  target: number;
}

const q3 = (v: number) => Math.round(v * 1000) / 1000;

/** Lays out the cubes (no points yet): distinct colours, no overlaps, standing on the floor. */
export function makeCubeScene(rng: Rng, o: Resolved): CubeScene {
  const colors = rng.shuffle(Object.keys(COLORS) as ColorName[]).slice(0, o.objects);
  const boxes: Box3D[] = [];
  for (const c of colors) {
    for (let tries = 0; tries < 500; tries++) {
      const s = Math.round(rng.uniform(o.min_side, o.max_side) * 500) / 500; // whole mm, even: s / 2 is exact in mm
      const x = q3(rng.uniform(s / 2 + 0.1, o.room - s / 2 - 0.1));
      const y = q3(rng.uniform(s / 2 + 0.1, o.room - s / 2 - 0.1));
      const clear = boxes.every((b) => Math.abs(b.center[0] - x) > (b.size[0] + s) / 2 + 0.15 || Math.abs(b.center[1] - y) > (b.size[1] + s) / 2 + 0.15);
      if (!clear) continue;
      boxes.push({ center: [x, y, s / 2], size: [s, s, s], label: `${c} cube` });
      break;
    }
  }
  if (boxes.length < colors.length) throw new GlimpseError('bad_config', `scene3d: could not place ${o.objects} cubes of up to ${o.max_side} m in a ${o.room} m room`);
  return { room: o.room, boxes, colors, target: rng.int(0, boxes.length) };
}

function hexRgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/** The point cloud: floor grid (4 cm spacing, darker every metre) and the cubes' six faces. */
export function cubeSceneCloud(scene: CubeScene): Scene {
  const pos: number[] = [];
  const col: number[] = [];
  const step = 0.04;
  const n = Math.round(scene.room / step);
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= n; j++) {
      const x = i * step;
      const y = j * step;
      const line = i % 25 === 0 || j % 25 === 0;
      pos.push(x, y, 0);
      if (line) col.push(90, 90, 90);
      else col.push(190, 190, 185);
    }
  }
  scene.boxes.forEach((b, k) => {
    const rgb = hexRgb(COLORS[scene.colors[k]!]);
    const s = b.size[0];
    const m = Math.max(6, Math.round(s / 0.03));
    for (let a = 0; a <= m; a++) {
      for (let c = 0; c <= m; c++) {
        const u = -s / 2 + (a * s) / m;
        const v = -s / 2 + (c * s) / m;
        for (const w of [-s / 2, s / 2]) {
          for (const p of [[w, u, v], [u, w, v], [u, v, w]] as const) {
            pos.push(b.center[0] + p[0], b.center[1] + p[1], b.center[2] + p[2]);
            col.push(rgb[0], rgb[1], rgb[2]);
          }
        }
      }
    }
  });
  return { cloud: { positions: Float32Array.from(pos), colors: Uint8Array.from(col), count: pos.length / 3 }, boxes: scene.boxes };
}

/** Renders the views side by side; returns the image and the cameras (for tests and overlays). */
export function renderCubeScene(scene: CubeScene, o: Resolved): { width: number; height: number; data: Uint8Array; render: ReturnType<typeof renderScene> } {
  const r = renderScene(cubeSceneCloud(scene), { views: o.views, width: o.size, height: o.size, drawBoxes: false, elevationDeg: 50, azimuthDeg0: -120 });
  const W = o.size * r.views.length;
  const H = o.size;
  const data = new Uint8Array(W * H * 3);
  r.views.forEach((v, k) => {
    for (let y = 0; y < H; y++) data.set(v.image.data.subarray(y * o.size * 3, (y + 1) * o.size * 3), (y * W + k * o.size) * 3);
  });
  return { width: W, height: H, data, render: r };
}

/** The instruction for a scene. */
export function scene3dPrompt(scene: CubeScene, views: number): string {
  const names = scene.colors.map((c) => `a ${c} cube`);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return (
    `The image shows ${views === 1 ? 'a view' : `${views} views side by side`} of a room whose floor is the square from (0, 0) to (${scene.room}, ${scene.room}) metres ` +
    `(z up, grid lines every metre). It holds ${list}, standing on the floor. Where is the ${scene.colors[scene.target]} cube? ` +
    `Answer its 3D box as {"bbox_3d": [x, y, z, dx, dy, dz]}: centre and size in metres.`
  );
}

/** The reference completion for a 3D box. */
export function scene3dSolution(b: Box3D): string {
  const v = [...b.center, ...b.size].map((x) => Math.round(x * 100) / 100);
  return `<think></think><answer>{"bbox_3d": [${v.join(', ')}]}</answer>`;
}

/** The `scene3d` synthetic task (see the module comment). */
export const scene3dTask: SyntheticTask = {
  name: 'scene3d',
  description: '3D grounding in rendered views: where is the red cube? answer its 3D box (geometry.iou3d)',
  pipeline: {
    rewards: [
      { name: 'format.think_answer', weight: 0.5 },
      { name: 'geometry.iou3d', weight: 1 },
    ],
  },
  solution(sample) {
    const b = sample.answer.box3d;
    if (!b) throw new GlimpseError('bad_input', `sample ${sample.id} has no answer.box3d`);
    return scene3dSolution(b);
  },
  async generate(out, { seed, splits, options = {} }) {
    checkSplitSizes('scene3d', splits);
    const o = parseScene3dTaskOptions(options);
    const manifest: TaskManifest = { task: 'scene3d', version: 1, seed, splits, options: o };
    const files = [join(out, 'train.jsonl'), join(out, 'test.jsonl')];
    if (manifestMatches(out, manifest)) return { reused: true, files };
    for (const [split, count, offset] of [['train', splits.train, 0], ['test', splits.test, 1]] as const) {
      const rng = new Rng(seed * 2 + offset);
      const samples: SampleInput[] = [];
      for (let i = 0; i < count; i++) {
        const scene = makeCubeScene(rng, o);
        const stem = `${split}-${String(i).padStart(6, '0')}`;
        const image = `images/${stem}.png`;
        const img = renderCubeScene(scene, o);
        await writeFileAtomic(join(out, image), encodeRgbPng(img.width, img.height, img.data));
        const target = scene.boxes[scene.target]!;
        samples.push({
          id: `${split}-${i}`,
          prompt: scene3dPrompt(scene, o.views),
          media: [{ kind: 'image', path: image, meta: { views: o.views, view_size: [o.size, o.size] } }],
          answer: { box3d: target, boxes3d: scene.boxes, label: target.label },
          task: 'scene3d',
          meta: { room: o.room, colors: scene.colors },
        });
      }
      await writeSplit(out, split, samples);
    }
    await writeManifest(out, manifest);
    return { reused: false, files };
  },
};
