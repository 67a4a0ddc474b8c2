/**
 * Helpers shared by the benchmark files: prompt templates, reading the `<answer>`, coordinate maps,
 * image requests and the pictures of rendered examples.
 */
import sharp from 'sharp';
import { createCoordinateMap, type CoordinateMap, type CoordinateMapSpec } from '../../../modalities/coords.js';
import { drawOverlay, type OverlayItem } from '../../../modalities/image/overlay.js';
import { encodePng } from '../../../modalities/image/encode.js';
import { loadImage } from '../../../modalities/image/load.js';
import { extractTag } from '../../../rewards/parse/index.js';
import type { BBox, Span } from '../../../data/schema.js';
import type { RgbImage } from '../../../modalities/types.js';
import { prepareImage } from '../images.js';
import type { BenchmarkOptions, EncodedImage, EvalItem, FailureKind } from '../types.js';
import { GlimpseError } from '../../util/errors.js';

/** Fills `{name}` placeholders; unknown placeholders are left as written. */
export function fillTemplate(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** Instruction appended by R1-style templates (VLM-R1, Visual-RFT, Time-R1). */
export const THINK_ANSWER = 'First output the thinking process in <think> </think> tags and then output the final answer in <answer> </answer> tags.';

/**
 * The text to parse: the inner text of the LAST `<answer>` when there is one, else the whole
 * completion (models evaluated without the R1 template answer bare). `failure: 'empty'` when there
 * is nothing but whitespace.
 */
export function answerText(completion: string): { text: string; failure?: FailureKind; reason?: string } {
  if (typeof completion !== 'string' || completion.trim() === '') return { text: '', failure: 'empty', reason: 'empty completion' };
  const tag = extractTag(completion, 'answer', { occurrence: 'last' });
  if (tag.ok) {
    if (tag.value.trim() === '') return { text: '', failure: 'empty', reason: 'empty <answer>' };
    return { text: tag.value };
  }
  return { text: completion };
}

/** A CoordinateMap from a spec, or the identity over a 1×1 "image" (pixels = original) when absent. */
export function mapOf(spec: CoordinateMapSpec | undefined): CoordinateMap {
  return createCoordinateMap(spec ?? { original: [1, 1], space: 'pixel' });
}

/** Rounds numbers for an answer written in `space` (integers for pixel/norm1000). */
export function roundFor(space: string | undefined, v: number): number {
  return space === 'norm1' ? Math.round(v * 1000) / 1000 : Math.round(v);
}

/**
 * Loads an item's first image and builds the coordinate map of the model's answers: the image as
 * sent (smart-resized when `maxPixels > 0`) in `options.coords` space. Without media (predictions
 * mode) the image is still read for its size when the space is normalised.
 */
export async function imageRequest(
  item: EvalItem,
  options: BenchmarkOptions,
  withMedia: boolean,
): Promise<{ images: EncodedImage[]; coords?: CoordinateMapSpec }> {
  const space = options.coords ?? 'pixel';
  const needSize = withMedia || space !== 'pixel';
  if (!needSize) return { images: [] };
  if (!item.loadImages) {
    throw new GlimpseError('bad_config', `${item.id}: no image for this item (pass --media with the image folder)`);
  }
  const [first] = await item.loadImages();
  if (!first) throw new GlimpseError('not_found', `${item.id}: item has no image`);
  const p = await prepareImage(first, item.id, { maxPixels: withMedia ? options.maxPixels : 0, minPixels: options.minPixels });
  return { images: withMedia ? [p.image] : [], coords: { original: p.original, input: p.input, space } };
}

const GREEN = '#2ca02c';
const RED = '#d62728';

/** The item's first image with the true box (green) and the predicted box (red), as PNG. */
export async function renderBoxes(item: EvalItem, truth: BBox | undefined, pred: BBox | undefined, labels: { truth?: string; pred?: string } = {}): Promise<Uint8Array | undefined> {
  if (!item.loadImages) return undefined;
  const [first] = await item.loadImages();
  if (!first) return undefined;
  let img: RgbImage = await loadImage(first.bytes, { name: item.id });
  const items: OverlayItem[] = [];
  if (truth) items.push({ bbox: truth, color: GREEN, label: labels.truth ?? 'truth' });
  if (pred) items.push({ bbox: pred, color: RED, label: labels.pred ?? 'prediction' });
  img = await drawOverlay(img, items);
  return encodePng(img);
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * A timeline picture (PNG, 800×120): the video's duration as a grey bar, the true span in green
 * above the predicted span in red, with times in seconds.
 */
export async function renderTimeline(duration: number | undefined, truth: Span, pred: Span | undefined, title: string): Promise<Uint8Array> {
  const W = 800, H = 120, x0 = 20, x1 = 780;
  const ends = [truth[1], pred?.[1] ?? 0, duration ?? 0].filter(Number.isFinite);
  const D = Math.max(1e-6, ...ends);
  const X = (t: number) => x0 + (Math.min(Math.max(t, 0), D) / D) * (x1 - x0);
  const bar = (s: Span, y: number, c: string, label: string) => {
    const left = X(Math.min(s[0], s[1]));
    const right = X(Math.max(s[0], s[1]));
    // keep the caption inside the picture: left-aligned at the bar's start, or right-aligned at its end
    const anchor = left > W - 220 ? `x="${right}" text-anchor="end"` : `x="${left}"`;
    return (
      `<rect x="${left}" y="${y}" width="${Math.max(2, right - left)}" height="22" fill="${c}"/>` +
      `<text ${anchor} y="${y + 36}" font-size="12" font-family="sans-serif" fill="#222">${esc(label)} ${s[0].toFixed(2)}–${s[1].toFixed(2)} s</text>`
    );
  };
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">` +
    `<rect width="100%" height="100%" fill="white"/>` +
    `<text x="${x0}" y="16" font-size="13" font-family="sans-serif" fill="#000">${esc(title.slice(0, 100))}</text>` +
    `<rect x="${x0}" y="24" width="${x1 - x0}" height="4" fill="#bbb"/>` +
    `<text x="${x1}" y="16" text-anchor="end" font-size="11" font-family="sans-serif" fill="#666">0 – ${D.toFixed(1)} s</text>` +
    bar(truth, 32, GREEN, 'truth') +
    (pred && pred.every(Number.isFinite) ? bar(pred, 72, RED, 'prediction') : `<text x="${x0}" y="90" font-size="12" font-family="sans-serif" fill="${RED}">no prediction</text>`) +
    `</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}

/** A short, id-safe text of an unknown JSON value for error messages. */
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/**
 * Frames of an item's video for the model, through the video modality adapter
 * (`getAdapter('video')`): images with their times, and the adapter's timestamp text.
 */
export async function videoRequest(
  item: EvalItem,
  options: BenchmarkOptions,
): Promise<{ images: EncodedImage[]; text: string; times: number[]; size?: [number, number]; duration?: number; coords: CoordinateMapSpec }> {
  const media = item.sample.media[0];
  if (!media) throw new GlimpseError('not_found', `${item.id}: item has no video`);
  const { getAdapter } = await import('../../../modalities/registry.js');
  let adapter;
  try {
    adapter = getAdapter('video');
  } catch (e) {
    throw new GlimpseError('not_available', `${item.id}: video frames need the video adapter, which is not in this build (${(e as Error).message})`, 'score pre-computed answers with --predictions, or use --model oracle');
  }
  const prepared = await adapter.prepare(media, {
    ...(options.frames ? { sampling: { frames: options.frames } } : {}),
    space: options.coords ?? 'pixel',
    placeholder: '',
  });
  const { toEncodedImage } = await import('../images.js');
  const images: EncodedImage[] = [];
  const times: number[] = [];
  for (const [i, f] of prepared.images.entries()) {
    images.push(await toEncodedImage(f));
    times.push(f.time ?? i);
  }
  const text = prepared.text && prepared.text.trim() !== '' ? prepared.text : times.map((t, i) => `Frame ${i + 1} at ${t.toFixed(2)} s.`).join('\n');
  const duration = typeof prepared.meta.duration === 'number' ? prepared.meta.duration : undefined;
  const first = prepared.images[0];
  return { images, text, times, coords: prepared.coords.toJSON(), ...(first ? { size: [first.width, first.height] as [number, number] } : {}), ...(duration !== undefined ? { duration } : {}) };
}
