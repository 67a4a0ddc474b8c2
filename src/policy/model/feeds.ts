/**
 * Host-side preparation of graph feeds: batches of token sequences (with image placeholder runs)
 * become the tensors the train, vision and decode graphs take.
 */
import * as ort from 'onnxruntime-node';
import { GlimpseError } from '../../util/errors.js';
import type { QwenVLConfig } from './config.js';
import { getRopeIndex, ropeOptionsFromConfig } from './rope-index.js';
import { decoderMask, mropeTables, visionMasks, visionRotary, type Grid } from './rope.js';

/** One image as the processor gives it: `[patches, C·T·P·P]` values and its `[t, h, w]` patch grid. */
export interface ImagePatches {
  pixelValues: Float32Array;
  grid: Grid;
}

/** One training sequence: prompt + completion token ids and the images of the prompt, in order. */
export interface TrainSequence {
  ids: ArrayLike<number>;
  /** Index of the first completion token in `ids`. */
  promptLength: number;
  images: ImagePatches[];
}

export type Feeds = Record<string, ort.Tensor>;

/** Vision feeds for a list of images (all images of a batch, in prompt order). */
export function visionFeeds(cfg: QwenVLConfig, images: readonly ImagePatches[]): Feeds {
  const grids = images.map((i) => i.grid);
  const { cos, sin, patches } = visionRotary(cfg, grids);
  const v = cfg.vision;
  const K = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const pv = new Float32Array(patches * K);
  let off = 0;
  for (const im of images) {
    const n = im.grid[0] * im.grid[1] * im.grid[2];
    if (im.pixelValues.length !== n * K) {
      throw new GlimpseError('bad_input', `image of grid [${im.grid.join(', ')}] has ${im.pixelValues.length} pixel values, expected ${n * K}`);
    }
    pv.set(im.pixelValues, off);
    off += n * K;
  }
  const hd = v.embedDim / v.numHeads;
  const masks = visionMasks(cfg, grids);
  const feeds: Feeds = {
    pixel_values: new ort.Tensor('float32', pv, [patches, K]),
    vision_cos: new ort.Tensor('float32', cos, [patches, hd]),
    vision_sin: new ort.Tensor('float32', sin, [patches, hd]),
    vision_mask: new ort.Tensor('float32', masks.full, [patches, patches]),
  };
  if (masks.window) feeds.vision_window_mask = new ort.Tensor('float32', masks.window, [patches, patches]);
  return feeds;
}

/** Number of `<|image_pad|>` tokens an image of this grid needs. */
export function imageTokenCount(cfg: QwenVLConfig, grid: Grid): number {
  const m = cfg.vision.spatialMergeSize;
  return (grid[0] * grid[1] * grid[2]) / (m * m);
}

export interface TrainFeeds {
  feeds: Feeds;
  batch: number;
  seq: number;
  /** `[batch, seq]` loss mask as fed (1 at positions whose target is a completion token). */
  lossMask: Float32Array;
  hasImages: boolean;
}

/**
 * Feeds of the training graph for right-padded sequences. Position s predicts token s+1; the
 * loss mask is 1 where token s+1 is a completion token. Image pad runs must match the image
 * grids (a clear error otherwise).
 */
export function trainFeeds(cfg: QwenVLConfig, seqs: readonly TrainSequence[], invTemperature = 1): TrainFeeds {
  if (seqs.length === 0) throw new GlimpseError('bad_input', 'trainFeeds: empty batch');
  const B = seqs.length;
  const S = Math.max(...seqs.map((s) => s.ids.length));
  const ids = new BigInt64Array(B * S);
  const targets = new BigInt64Array(B * S);
  const lossMask = new Float32Array(B * S);
  const attention: number[][] = [];
  // Rows as the position and image-token logic sees them: vision special tokens that a model
  // SAMPLED in its completion are plain text there (as in the decode path), never image slots.
  const rows: number[][] = [];
  const vision = new Set([cfg.tokens.imageTokenId, cfg.tokens.videoTokenId, cfg.tokens.visionStartTokenId]);
  for (let b = 0; b < B; b++) {
    const s = seqs[b]!;
    if (!(s.promptLength >= 1 && s.promptLength <= s.ids.length)) throw new GlimpseError('bad_input', `trainFeeds: row ${b} promptLength ${s.promptLength} outside [1, ${s.ids.length}]`);
    const row: number[] = [];
    const am: number[] = [];
    for (let i = 0; i < S; i++) {
      const v = i < s.ids.length ? s.ids[i]! : 0;
      if (!Number.isInteger(v) || v < 0 || v >= cfg.text.vocabSize) throw new GlimpseError('bad_input', `trainFeeds: row ${b} token ${i} is ${v}, outside the vocabulary of ${cfg.text.vocabSize}`);
      row.push(i >= s.promptLength && vision.has(v) ? 0 : v);
      am.push(i < s.ids.length ? 1 : 0);
      ids[b * S + i] = BigInt(v);
      if (i + 1 < s.ids.length) {
        targets[b * S + i] = BigInt(s.ids[i + 1]!);
        if (i + 1 >= s.promptLength) lossMask[b * S + i] = 1;
      }
    }
    rows.push(row);
    attention.push(am);
  }
  const images = seqs.flatMap((s) => s.images);
  const rope = getRopeIndex({ inputIds: rows, attentionMask: attention, imageGridThw: images.map((i) => i.grid) }, ropeOptionsFromConfig(cfg));
  const { cos, sin } = mropeTables(cfg, rope.positionIds, B, S);
  const keyMask = new Float32Array(B * S);
  for (let b = 0; b < B; b++) for (let i = 0; i < S; i++) keyMask[b * S + i] = attention[b]![i]!;
  const hd = cfg.text.headDim;
  const feeds: Feeds = {
    input_ids: new ort.Tensor('int64', ids, [B, S]),
    targets: new ort.Tensor('int64', targets, [B, S]),
    loss_mask: new ort.Tensor('float32', lossMask, [B, S]),
    cos: new ort.Tensor('float32', cos, [B, S, hd]),
    sin: new ort.Tensor('float32', sin, [B, S, hd]),
    attn_mask: new ort.Tensor('float32', decoderMask(B, S, 0, keyMask), [B, 1, 1, S, S]),
    inv_temperature: new ort.Tensor('float32', Float32Array.of(invTemperature), []),
  };
  const hasImages = images.length > 0;
  if (hasImages) {
    Object.assign(feeds, visionFeeds(cfg, images));
    const imageIndex = new BigInt64Array(B * S);
    const isImage = new Uint8Array(B * S);
    let k = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < S; i++) {
        if (attention[b]![i] === 1 && rows[b]![i] === cfg.tokens.imageTokenId) {
          imageIndex[b * S + i] = BigInt(k++);
          isImage[b * S + i] = 1;
        }
      }
    }
    const merged = images.reduce((a, im) => a + imageTokenCount(cfg, im.grid), 0);
    if (k !== merged) throw new GlimpseError('bad_input', `the batch has ${k} <|image_pad|> tokens but its images give ${merged} features`);
    feeds.image_index = new ort.Tensor('int64', imageIndex, [B, S]);
    feeds.is_image = new ort.Tensor('bool', isImage, [B, S]);
  }
  return { feeds, batch: B, seq: S, lossMask, hasImages };
}

/** Feeds `name -> tensor` for the parameters a session takes. */
export function paramFeeds(params: ReadonlyMap<string, Float32Array>, shapes: ReadonlyMap<string, readonly number[]>, names: readonly string[]): Feeds {
  const out: Feeds = {};
  for (const n of names) {
    const a = params.get(n);
    const s = shapes.get(n);
    if (!a || !s) continue;
    out[n] = new ort.Tensor('float32', a, s as number[]);
  }
  return out;
}
