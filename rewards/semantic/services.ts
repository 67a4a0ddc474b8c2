/**
 * How a semantic reward finds its embedding model, in this order:
 * 1. the reward's `model` param (a folder);
 * 2. `ctx.services` — key `clip` (text–image, text–text) or `dino` (image–image): a loaded
 *    `Embedder` or a folder path;
 * 3. the environment: `GLIMPSE_CLIP_MODEL`, `GLIMPSE_DINO_MODEL`;
 * 4. for image–image only: the text–image model's image tower, when no DINO is configured.
 * Nothing configured, or a folder that does not load, gives `{ ok: false, reason: 'unavailable: …' }`:
 * rewards then return null (or report the term as unavailable), never throw.
 */
import { describeError } from '../../src/util/errors.js';
import type { RewardContext, RewardInput } from '../types.js';
import type { RgbImage } from '../../modalities/types.js';
import { inputImageSource, loadSource } from './common.js';
import { loadEmbedder, MODEL_ENV, type Embedder, type EmbedderKind } from './embedder.js';

export type EmbedderRole = 'text_image' | 'image_image';
export type Resolved = { ok: true; embedder: Embedder; source: string } | { ok: false; reason: string };

function isEmbedder(x: unknown): x is Embedder {
  return typeof x === 'object' && x !== null && typeof (x as Embedder).embedImages === 'function';
}

const SERVICE_KEY: Record<EmbedderRole, string> = { text_image: 'clip', image_image: 'dino' };
const KINDS: Record<EmbedderRole, EmbedderKind[]> = { text_image: ['clip', 'siglip'], image_image: ['dinov2', 'clip', 'siglip'] };

async function fromValue(v: unknown, role: EmbedderRole, source: string): Promise<Resolved | undefined> {
  if (isEmbedder(v)) {
    if (role === 'text_image' && !v.hasText) return { ok: false, reason: `unavailable: ${source} has no text encoder` };
    return { ok: true, embedder: v, source };
  }
  if (typeof v === 'string' && v.length > 0) {
    try {
      return { ok: true, embedder: await loadEmbedder(v, { expect: KINDS[role] }), source: `${source}=${v}` };
    } catch (e) {
      return { ok: false, reason: `unavailable: ${describeError(e)}` };
    }
  }
  return undefined;
}

/** Resolves the embedder for `role`; see the module comment. Never rejects. */
export async function resolveEmbedder(role: EmbedderRole, model: string | undefined, ctx: RewardContext | undefined): Promise<Resolved> {
  const tries: Array<[unknown, string]> = [
    [model, 'param model'],
    [ctx?.services?.[SERVICE_KEY[role]], `service ${SERVICE_KEY[role]}`],
    [process.env[MODEL_ENV[role]], MODEL_ENV[role]],
  ];
  if (role === 'image_image') {
    tries.push([ctx?.services?.[SERVICE_KEY.text_image], `service ${SERVICE_KEY.text_image}`]);
    tries.push([process.env[MODEL_ENV.text_image], MODEL_ENV.text_image]);
  }
  for (const [v, source] of tries) {
    const r = await fromValue(v, role, source);
    if (r) return r;
  }
  const env = role === 'image_image' ? `${MODEL_ENV.image_image} or ${MODEL_ENV.text_image}` : MODEL_ENV.text_image;
  return { ok: false, reason: `unavailable: no ${role === 'image_image' ? 'image–image (DINOv2/CLIP)' : 'text–image (CLIP/SigLIP)'} model configured (set the reward's model param, the ${SERVICE_KEY[role]} service or ${env})` };
}

/**
 * The text–image embedder and the sample's input image, or why a reward cannot use them (no image
 * in the sample, no model configured, an unreadable image) — in that order of checks.
 */
export async function textImageInputs(input: RewardInput, model: string | undefined, ctx: RewardContext | undefined): Promise<{ ok: true; embedder: Embedder; source: string; image: RgbImage } | { ok: false; reason: string }> {
  const src = inputImageSource(input?.sample);
  if (!src) return { ok: false, reason: 'no image in the sample' };
  const m = await resolveEmbedder('text_image', model, ctx);
  if (!m.ok) return m;
  const img = await loadSource(src);
  if (!img.ok) return img;
  return { ok: true, embedder: m.embedder, source: m.source, image: img.image };
}
