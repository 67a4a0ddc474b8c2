/**
 * Shared helpers of the semantic, SVG and faithfulness rewards: the answer text of a completion,
 * the sample's images (input and reference), and a tiny LRU of loaded images.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Sample } from '../../data/schema.js';
import type { RgbImage } from '../../modalities/types.js';
import { describeError } from '../../src/util/errors.js';
import { extractTag } from '../parse/tags.js';

/** Longest text embedded (CLIP truncates at 77 tokens anyway); longer answers are cut here. */
export const MAX_EMBED_CHARS = 2000;

/** The text a completion asserts: the last `<answer>` body if any, else the text outside `<think>`. */
export function answerText(completion: unknown): string {
  if (typeof completion !== 'string') return '';
  const a = extractTag(completion, 'answer', { occurrence: 'last' });
  const text = a.ok ? a.value : completion.replace(/<think>[\s\S]*?<\/think>/g, ' ');
  return text.replace(/\s+/g, ' ').trim().slice(0, MAX_EMBED_CHARS);
}

/** Params every model-backed reward shares: the folder of the model (else services / env). */
export const modelParam = z.string().default('').describe('model folder (transformers.js layout); empty: the `clip`/`dino` service, else GLIMPSE_CLIP_MODEL / GLIMPSE_DINO_MODEL');

type ImageSource = { key: string; load: () => Promise<RgbImage> };

/** Loaded on use, so that importing the rewards does not load sharp. */
async function loadImage(source: string | Uint8Array, opts: { name: string }): Promise<RgbImage> {
  const { loadImage: load } = await import('../../modalities/image/load.js');
  return load(source, opts);
}

function sourceOf(v: unknown, name: string): ImageSource | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  const m = /^data:[^;,]*;base64,(.*)$/s.exec(v);
  if (m) {
    const bytes = Buffer.from(m[1]!, 'base64');
    return { key: createHash('sha256').update(bytes).digest('hex'), load: () => loadImage(bytes, { name }) };
  }
  return { key: `path:${v}`, load: () => loadImage(v, { name }) };
}

function mediaSource(m: unknown, name: string): ImageSource | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const { kind, path, data } = m as { kind?: unknown; path?: unknown; data?: unknown };
  if (kind !== 'image') return undefined;
  if (typeof path === 'string' && path.length > 0) return sourceOf(path, name);
  if (typeof data === 'string' && data.length > 0) {
    const bytes = Buffer.from(data, 'base64');
    return { key: createHash('sha256').update(bytes).digest('hex'), load: () => loadImage(bytes, { name }) };
  }
  return undefined;
}

/** The sample's input image: its first media item of kind image. */
export function inputImageSource(sample: Sample | undefined): ImageSource | undefined {
  const media = (sample as { media?: unknown } | undefined)?.media;
  if (!Array.isArray(media)) return undefined;
  for (const m of media) {
    const s = mediaSource(m, `sample ${String(sample?.id)} image`);
    if (s) return s;
  }
  return undefined;
}

/**
 * The reference image of a sample: `answer.reference_image` (a path or a `data:…;base64,` URL),
 * else the input image (image-to-SVG: the picture to reproduce).
 */
export function referenceImageSource(sample: Sample | undefined): ImageSource | undefined {
  const answer = (sample as { answer?: unknown } | undefined)?.answer;
  const ref = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>).reference_image : undefined;
  return sourceOf(ref, `sample ${String(sample?.id)} reference_image`) ?? inputImageSource(sample);
}

const images = new Map<string, Promise<RgbImage>>();
const MAX_IMAGES = 64;

/** Loads (memoised, LRU of 64) an image source; `{ ok: false, reason }` instead of throwing. */
export async function loadSource(src: ImageSource): Promise<{ ok: true; image: RgbImage } | { ok: false; reason: string }> {
  let p = images.get(src.key);
  if (p) {
    images.delete(src.key);
    images.set(src.key, p);
  } else {
    p = src.load();
    images.set(src.key, p);
    if (images.size > MAX_IMAGES) images.delete(images.keys().next().value!);
  }
  try {
    return { ok: true, image: await p };
  } catch (e) {
    images.delete(src.key);
    return { ok: false, reason: `image: ${describeError(e)}` };
  }
}

/** String-valued field of the answer, or undefined. */
export function answerField(sample: Sample | undefined, key: string): string | undefined {
  const answer = (sample as { answer?: unknown } | undefined)?.answer;
  if (typeof answer !== 'object' || answer === null) return undefined;
  const v = (answer as Record<string, unknown>)[key];
  return typeof v === 'string' && v.trim().length > 0 ? v : undefined;
}

/** String list field of the answer (strings only), or []. */
export function answerList(sample: Sample | undefined, key: string): string[] {
  const answer = (sample as { answer?: unknown } | undefined)?.answer;
  if (typeof answer !== 'object' || answer === null) return [];
  const v = (answer as Record<string, unknown>)[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim().length > 0).map((x) => x.slice(0, MAX_EMBED_CHARS)) : [];
}

/** Runs `f`, turning an unexpected exception into a null score with a reason (rewards never throw). */
export async function guarded<T extends { score: number | null }>(name: string, f: () => Promise<T>): Promise<T | { score: null; reason: string }> {
  try {
    return await f();
  } catch (e) {
    return { score: null, reason: `${name}: ${describeError(e)}` };
  }
}
