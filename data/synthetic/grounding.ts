/**
 * Synthetic image grounding: "Find the small red triangle." A few coloured shapes on a plain
 * background; exactly one matches the description (distractors differ in size, colour or shape).
 * The answer is the target's box in original pixels. Deterministic by seed: the same seed gives
 * byte-identical images and JSONL.
 *
 * Model answer format (Qwen2.5-VL style, pixels of the model input):
 *   <think>…</think><answer>{"bbox_2d": [x1, y1, x2, y2]}</answer>
 */
import { Resvg } from '@resvg/resvg-js';
import { encodeRgbPng } from '../../modalities/svg/png.js';
import type { BBox, SampleInput } from '../schema.js';
import { Rng } from '../../src/util/rng.js';

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export const COLORS = { red: '#e53935', green: '#43a047', blue: '#1e88e5', yellow: '#fdd835' } as const;
export const SIZES = ['small', 'large'] as const;
export type Shape = (typeof SHAPES)[number];
export type ColorName = keyof typeof COLORS;
export type SizeName = (typeof SIZES)[number];

export interface PlacedShape {
  shape: Shape;
  color: ColorName;
  size: SizeName;
  bbox: BBox;
}

export interface GroundingOptions {
  /** Square canvas side in pixels (a multiple of 28 keeps the model input equal to the original). */
  canvas?: number;
  minShapes?: number;
  maxShapes?: number;
  /**
   * `plain`: a flat paper-coloured background. `gradient`: red rises from left to right and blue
   * from top to bottom, so every patch's pixels say where it is — a cue that lets a model trained
   * from scratch in minutes (glimpse-tiny) learn to localise; pretrained models need no such help.
   */
  background?: 'plain' | 'gradient';
  /**
   * `free`: shapes anywhere (boxes are continuous). `grid`: each shape sits, slightly jittered, in
   * its own cell of a `cells × cells` grid of 28-px cells — one vision token per cell for a
   * Qwen2-VL model — so that localisation is first a choice of cell, which a small model learns in
   * minutes. The canvas is then `cells × 28` pixels.
   */
  layout?: 'free' | 'grid';
  /** Grid side in cells (layout `grid`), 2 to 16. */
  cells?: number;
  /**
   * Largest offset, in pixels, of a shape from the centre of its cell (layout `grid`; capped by
   * the room the cell leaves). Default 2: localisation is the choice of cell. Larger values make
   * boxes depend on where in its cell a shape sits, so IoU > 0.5 needs pixel-precise answers.
   */
  jitter?: number;
  /**
   * Fill opacity of the shapes, in (0, 1]. Below 1 the background shows through the shapes, so
   * on the `gradient` background even the pixels under a shape say where they are.
   */
  opacity?: number;
  /**
   * `colors`: each shape in one of the four named colours. `dark`: every shape in near-black ink,
   * a silhouette a model trained from scratch (glimpse-tiny) detects as one consistent feature;
   * descriptions then name no colour.
   */
  ink?: 'colors' | 'dark';
  /**
   * `describe`: "Find the small red triangle; …". `generic`: "Find the shape; …" — with one shape
   * per image the description adds nothing, and a fixed prompt leaves a small model a pure
   * localisation problem. Needs `maxShapes` 1.
   */
  prompt?: 'describe' | 'generic';
  /**
   * Pixels added to every side of the box in the reference solution the warm start imitates
   * (clipped to the canvas): a loose annotation, as careless labellers draw. The reward and the
   * held-out metrics still use the tight box, so GRPO has something to learn that SFT did not
   * teach. Default 0.
   */
  labelMargin?: number;
}

export interface GroundingScene {
  canvas: number;
  opacity?: number;
  ink?: 'dark';
  background: 'plain' | 'gradient';
  shapes: PlacedShape[];
  target: number;
  prompt: string;
}

const colorNames = Object.keys(COLORS) as ColorName[];

/** The instruction shown to the model for a target description. */
export function groundingPrompt(description: string): string {
  return `Find the ${description}; answer its bbox_2d.`;
}

/** Ink colour of the `dark` option. */
export const DARK_INK = '#202020';

/** The target's description ("small red triangle"; no colour with dark ink). */
export function describeShape(s: Pick<PlacedShape, 'size' | 'color' | 'shape'>, ink: GroundingOptions['ink']): string {
  return ink === 'dark' ? `${s.size} ${s.shape}` : `${s.size} ${s.color} ${s.shape}`;
}

/** Prompt, ink and opacity fields of a scene (checked). */
function sceneText(options: GroundingOptions, target: Pick<PlacedShape, 'size' | 'color' | 'shape'>, maxShapes: number): Pick<GroundingScene, 'prompt' | 'ink' | 'opacity'> {
  const o = options.opacity;
  if (o !== undefined && !(o > 0 && o <= 1)) throw new RangeError(`grounding: opacity must be in (0, 1], got ${o}`);
  if (options.ink !== undefined && options.ink !== 'colors' && options.ink !== 'dark') throw new RangeError(`grounding: ink must be colors or dark, got ${String(options.ink)}`);
  if (options.prompt !== undefined && options.prompt !== 'describe' && options.prompt !== 'generic') throw new RangeError(`grounding: prompt must be describe or generic, got ${String(options.prompt)}`);
  if (options.prompt === 'generic' && maxShapes !== 1) throw new RangeError(`grounding: prompt generic needs maxShapes 1 (a generic prompt cannot tell ${maxShapes} shapes apart)`);
  return {
    prompt: options.prompt === 'generic' ? 'Find the shape; answer its bbox_2d.' : groundingPrompt(describeShape(target, options.ink)),
    ...(options.ink === 'dark' ? { ink: 'dark' as const } : {}),
    ...(o !== undefined && o !== 1 ? { opacity: o } : {}),
  };
}

/** Lays out one scene (no pixels yet). */
export function makeGroundingScene(rng: Rng, options: GroundingOptions = {}): GroundingScene {
  if (options.layout === 'grid') return makeGridScene(rng, options);
  const canvas = options.canvas ?? 112;
  const minShapes = options.minShapes ?? 2;
  const maxShapes = options.maxShapes ?? 4;
  if (!(canvas >= 56 && canvas <= 4096)) throw new RangeError(`grounding: canvas must be in [56, 4096], got ${canvas}`);
  if (!(minShapes >= 1 && maxShapes >= minShapes)) throw new RangeError(`grounding: need 1 ≤ minShapes ≤ maxShapes`);
  const kinds = pickKinds(rng, rng.int(minShapes, maxShapes + 1));
  const target = kinds[0]!;
  const shapes: PlacedShape[] = [];
  for (const k of kinds) {
    const side = Math.round(canvas * (k.size === 'small' ? rng.uniform(0.12, 0.17) : rng.uniform(0.26, 0.34)));
    let placed: BBox | undefined;
    for (let tries = 0; tries < 200 && !placed; tries++) {
      const x = rng.int(2, canvas - side - 2);
      const y = rng.int(2, canvas - side - 2);
      const b: BBox = [x, y, x + side, y + side];
      if (shapes.every((s) => !overlaps(s.bbox, b, 3))) placed = b;
    }
    if (placed) shapes.push({ ...k, bbox: placed });
  }
  // the target was placed first, so it always exists
  return { canvas, background: options.background ?? 'plain', shapes, target: 0, ...sceneText(options, target, maxShapes) };
}

const CELL = 28;

function pickKinds(rng: Rng, n: number): Array<{ shape: Shape; color: ColorName; size: SizeName }> {
  const target = { shape: rng.pick(SHAPES), color: rng.pick(colorNames), size: rng.pick(SIZES) };
  const kinds = [target];
  for (let guard = 0; kinds.length < n && guard < 1000; guard++) {
    const d = { shape: rng.pick(SHAPES), color: rng.pick(colorNames), size: rng.pick(SIZES) };
    if (d.shape === target.shape && d.color === target.color && d.size === target.size) continue;
    kinds.push(d);
  }
  return kinds;
}

/** The `grid` layout (see {@link GroundingOptions.layout}). */
function makeGridScene(rng: Rng, options: GroundingOptions): GroundingScene {
  const cells = options.cells ?? 3;
  if (!(Number.isInteger(cells) && cells >= 2 && cells <= 16)) throw new RangeError(`grounding: cells must be an integer in [2, 16], got ${cells}`);
  const minShapes = options.minShapes ?? 1;
  const maxShapes = options.maxShapes ?? 2;
  if (!(minShapes >= 1 && maxShapes >= minShapes && maxShapes <= cells * cells)) throw new RangeError(`grounding: need 1 ≤ minShapes ≤ maxShapes ≤ cells² (${cells * cells})`);
  const canvas = cells * CELL;
  const maxJitter = options.jitter ?? 2;
  if (!(Number.isInteger(maxJitter) && maxJitter >= 0 && maxJitter <= CELL)) throw new RangeError(`grounding: jitter must be an integer number of pixels in [0, ${CELL}], got ${maxJitter}`);
  const kinds = pickKinds(rng, rng.int(minShapes, maxShapes + 1));
  const free = rng.shuffle(Array.from({ length: cells * cells }, (_, i) => i));
  const shapes: PlacedShape[] = kinds.map((k, i) => {
    const cell = free[i]!;
    const side = Math.round(CELL * (k.size === 'small' ? rng.uniform(0.46, 0.56) : rng.uniform(0.78, 0.9)));
    const slack = CELL - side;
    const jitter = Math.min(maxJitter, Math.floor(slack / 2));
    const x = (cell % cells) * CELL + Math.floor(slack / 2) + rng.int(-jitter, jitter + 1);
    const y = Math.floor(cell / cells) * CELL + Math.floor(slack / 2) + rng.int(-jitter, jitter + 1);
    return { ...k, bbox: [x, y, x + side, y + side] as BBox };
  });
  const t = kinds[0]!;
  return { canvas, background: options.background ?? 'plain', shapes, target: 0, ...sceneText(options, t, maxShapes) };
}

function overlaps(a: BBox, b: BBox, margin: number): boolean {
  return !(a[2] + margin <= b[0] || b[2] + margin <= a[0] || a[3] + margin <= b[1] || b[3] + margin <= a[1]);
}

/** SVG source of a scene (`withBackground` false: shapes on transparent). */
export function groundingSvg(scene: GroundingScene, withBackground = true): string {
  const parts = scene.shapes.map((s) => {
    const [x1, y1, x2, y2] = s.bbox;
    const paint = `fill="${scene.ink === 'dark' ? DARK_INK : COLORS[s.color]}"${scene.opacity !== undefined ? ` fill-opacity="${scene.opacity}"` : ''}`;
    if (s.shape === 'square') return `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" ${paint}/>`;
    if (s.shape === 'circle') return `<circle cx="${(x1 + x2) / 2}" cy="${(y1 + y2) / 2}" r="${(x2 - x1) / 2}" ${paint}/>`;
    return `<polygon points="${(x1 + x2) / 2},${y1} ${x2},${y2} ${x1},${y2}" ${paint}/>`;
  });
  const c = scene.canvas;
  const bg = withBackground ? `<rect width="${c}" height="${c}" fill="#f4f1ea"/>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${c}" height="${c}" viewBox="0 0 ${c} ${c}">${bg}${parts.join('')}</svg>`;
}

/**
 * The reference completion for supervised warm-up: an empty think (TON's "no thinking" mode) and
 * the box in the model's input pixels (`box` already mapped from original units).
 */
export function groundingSolution(box: BBox): string {
  const r = box.map((v) => Math.round(v));
  return `<think></think><answer>{"bbox_2d": [${r.join(', ')}]}</answer>`;
}

/** Throws a RangeError unless `margin` is a finite number ≥ 0 (the `labelMargin` option). */
export function checkLabelMargin(margin: number): void {
  if (!(Number.isFinite(margin) && margin >= 0)) throw new RangeError(`grounding: labelMargin must be a number ≥ 0, got ${margin}`);
}

/** The box a reference solution gives: `bbox` padded by `margin` pixels per side, clipped to the canvas. */
export function labelBox(bbox: BBox, margin: number, canvas: number): BBox {
  checkLabelMargin(margin);
  return [Math.max(0, bbox[0] - margin), Math.max(0, bbox[1] - margin), Math.min(canvas, bbox[2] + margin), Math.min(canvas, bbox[3] + margin)];
}

/** Background colour of pixel (x, y) of the `gradient` background. */
export function gradientBackground(x: number, y: number, canvas: number): [number, number, number] {
  return [Math.round(140 + (110 * x) / (canvas - 1)), 235, Math.round(140 + (110 * y) / (canvas - 1))];
}

/** PNG bytes of a scene. */
export function renderGroundingScene(scene: GroundingScene): Uint8Array {
  if (scene.background === 'plain') return new Resvg(groundingSvg(scene), { font: { loadSystemFonts: false } }).render().asPng();
  const r = new Resvg(groundingSvg(scene, false), { font: { loadSystemFonts: false } }).render();
  const c = scene.canvas;
  const px = r.pixels; // premultiplied RGBA
  const rgb = new Uint8Array(c * c * 3);
  for (let y = 0; y < c; y++) {
    for (let x = 0; x < c; x++) {
      const i = y * c + x;
      const a = px[i * 4 + 3]! / 255;
      const bg = gradientBackground(x, y, c);
      for (let k = 0; k < 3; k++) rgb[i * 3 + k] = Math.round(px[i * 4 + k]! + (1 - a) * bg[k]!);
    }
  }
  return encodeRgbPng(c, c, rgb);
}

/** The Sample of a scene whose image is stored at `imagePath` (relative to the JSONL file). */
export function groundingSample(id: string, scene: GroundingScene, imagePath: string, labelMargin = 0): SampleInput {
  const t = scene.shapes[scene.target]!;
  return {
    id,
    prompt: scene.prompt,
    media: [{ kind: 'image', path: imagePath }],
    answer: { bbox: t.bbox, label: describeShape(t, scene.ink) },
    task: 'grounding',
    meta: { canvas: scene.canvas, shapes: scene.shapes.length, ...(labelMargin ? { label_margin: labelMargin } : {}) },
  };
}
