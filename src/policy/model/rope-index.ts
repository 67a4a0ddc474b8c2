/**
 * Multimodal RoPE position ids (M-RoPE, Qwen2-VL paper §2.1), computed as transformers'
 * `Qwen2VLModel.get_rope_index` / `Qwen2_5_VLModel.get_rope_index` do:
 *
 * - text tokens get the same position on the three axes (t, h, w), counting on from the
 *   largest position so far + 1;
 * - the run of `<|image_pad|>` / `<|video_pad|>` tokens of one image or video gets
 *   (t, h, w) grid coordinates of the merged patches (grid_h / m × grid_w / m per frame), offset by
 *   the position the run starts at; for videos Qwen2-VL uses the frame-group index as t, Qwen2.5-VL
 *   `⌊index × second_per_grid_t × tokens_per_second⌋` (in float32, like PyTorch);
 * - padding (attention mask 0) gets position 1 on every axis, and is skipped when counting;
 * - `delta = max position + 1 − sequence length` per row: decoding continues at
 *   `cache_position + delta`.
 *
 * Images and videos are taken in prompt order across the batch from `imageGridThw` /
 * `videoGridThw`. Unlike the reference, a prompt whose pad-token runs do not match the grids is a
 * `GlimpseError('bad_input')` saying which image and how many tokens were expected.
 */
import { GlimpseError } from '../../util/errors.js';
import type { QwenVLConfig } from './config.js';

/** Token ids and geometry `getRopeIndex` needs (see {@link ropeOptionsFromConfig}). */
export interface RopeIndexOptions {
  spatialMergeSize: number;
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
  /** 'qwen2_5_vl' scales video time positions by seconds (default 'qwen2_vl'). */
  modelType?: 'qwen2_vl' | 'qwen2_5_vl';
  /** Qwen2.5-VL `vision_config.tokens_per_second` (default 2). */
  tokensPerSecond?: number;
}

export interface RopeIndexInput {
  /** Token ids, one row per sequence, all of the same length L. */
  inputIds: ArrayLike<number>[];
  /** 1 for real tokens, 0 for padding (default all 1). */
  attentionMask?: ArrayLike<number>[];
  /** [t, h, w] patch grid of every image, in prompt order over the batch. */
  imageGridThw?: ArrayLike<number>[];
  /** [t, h, w] patch grid of every video, in prompt order over the batch. */
  videoGridThw?: ArrayLike<number>[];
  /** Qwen2.5-VL: seconds per temporal patch of every video (default 1.0 each). */
  secondPerGridTs?: ArrayLike<number>;
}

export interface RopeIndex {
  /** Row-major [3, B, L]: axis (t, h, w), batch row, token. */
  positionIds: Int32Array;
  batch: number;
  length: number;
  /** Per row: max position + 1 − L. */
  deltas: number[];
}

/** The options for a parsed model config. */
export function ropeOptionsFromConfig(cfg: QwenVLConfig): RopeIndexOptions {
  return {
    spatialMergeSize: cfg.vision.spatialMergeSize,
    imageTokenId: cfg.tokens.imageTokenId,
    videoTokenId: cfg.tokens.videoTokenId,
    visionStartTokenId: cfg.tokens.visionStartTokenId,
    modelType: cfg.modelType,
    tokensPerSecond: cfg.vision.tokensPerSecond ?? 2,
  };
}

function bad(msg: string): GlimpseError {
  return new GlimpseError('bad_input', `getRopeIndex: ${msg}`);
}

function grid(g: ArrayLike<number> | undefined, what: string, m: number): [number, number, number] {
  if (!g || g.length !== 3) throw bad(`${what} grid must be [t, h, w]`);
  const [t, h, w] = [g[0]!, g[1]!, g[2]!];
  for (const v of [t, h, w]) if (!Number.isSafeInteger(v) || v <= 0) throw bad(`${what} grid [${t}, ${h}, ${w}] must hold positive integers`);
  if (h % m !== 0 || w % m !== 0) throw bad(`${what} grid [${t}, ${h}, ${w}]: h and w must be multiples of spatial_merge_size ${m}`);
  return [t, h / m, w / m];
}

/** Computes M-RoPE position ids and decode deltas for a batch (see the module comment). */
export function getRopeIndex(input: RopeIndexInput, opts: RopeIndexOptions): RopeIndex {
  const B = input.inputIds.length;
  if (B === 0) throw bad('empty batch');
  const L = input.inputIds[0]!.length;
  for (let b = 0; b < B; b++) if (input.inputIds[b]!.length !== L) throw bad(`row ${b} has ${input.inputIds[b]!.length} tokens, row 0 has ${L} (pad rows to one length)`);
  const mask = input.attentionMask;
  if (mask && (mask.length !== B || mask.some((r) => r.length !== L))) throw bad(`attention mask shape must be [${B}, ${L}]`);
  const m = opts.spatialMergeSize;
  if (!Number.isSafeInteger(m) || m <= 0) throw bad(`spatialMergeSize must be a positive integer, got ${m}`);
  const pos = new Int32Array(3 * B * L);
  const deltas: number[] = [];
  const images = input.imageGridThw ?? [];
  const videos = input.videoGridThw ?? [];
  const noVision = images.length === 0 && videos.length === 0;
  const plane = B * L;
  const is25 = opts.modelType === 'qwen2_5_vl';
  const tps = opts.tokensPerSecond ?? 2;
  let imageIndex = 0;
  let videoIndex = 0;
  for (let b = 0; b < B; b++) {
    const ids = input.inputIds[b]!;
    const keep: number[] = [];
    for (let i = 0; i < L; i++) {
      const mk = mask ? mask[b]![i]! : 1;
      if (mk !== 0 && mk !== 1) throw bad(`attention mask row ${b} holds ${mk}; use 0 or 1`);
      if (mk === 1) keep.push(i);
      else for (let a = 0; a < 3; a++) pos[a * plane + b * L + i] = 1;
    }
    const tok = keep.map((i) => ids[i]!);
    const n = tok.length;
    const out = [new Int32Array(n), new Int32Array(n), new Int32Array(n)] as const;
    let st = 0;
    let next = 0; // max position so far + 1
    const text = (from: number, to: number) => {
      for (let k = from; k < to; k++) {
        const p = next + (k - from);
        out[0][k] = p;
        out[1][k] = p;
        out[2][k] = p;
      }
      if (to > from) next += to - from;
    };
    if (!noVision) {
      // Vision items are announced by <|vision_start|> followed by the pad token.
      let nImages = 0;
      let nVideos = 0;
      for (let k = 0; k + 1 < n; k++) {
        if (tok[k] === opts.visionStartTokenId) {
          if (tok[k + 1] === opts.imageTokenId) nImages++;
          else if (tok[k + 1] === opts.videoTokenId) nVideos++;
        }
      }
      const items = nImages + nVideos;
      for (let item = 0; item < items; item++) {
        const edImage = nImages > 0 ? tok.indexOf(opts.imageTokenId, st) : -1;
        const edVideo = nVideos > 0 ? tok.indexOf(opts.videoTokenId, st) : -1;
        const useImage = edImage >= 0 && (edVideo < 0 || edImage < edVideo);
        if (edImage < 0 && edVideo < 0) break;
        let lt: number, lh: number, lw: number;
        let secs = 0;
        let ed: number;
        let what: string;
        if (useImage) {
          what = `image ${imageIndex}`;
          if (imageIndex >= images.length) throw bad(`row ${b} has more images than the ${images.length} image grids given`);
          [lt, lh, lw] = grid(images[imageIndex], what, m);
          imageIndex++;
          nImages--;
          ed = edImage;
        } else {
          what = `video ${videoIndex}`;
          if (videoIndex >= videos.length) throw bad(`row ${b} has more videos than the ${videos.length} video grids given`);
          [lt, lh, lw] = grid(videos[videoIndex], what, m);
          secs = input.secondPerGridTs ? Number(input.secondPerGridTs[videoIndex]) : 1.0;
          if (!Number.isFinite(secs) || secs < 0) throw bad(`second_per_grid_t of video ${videoIndex} must be a finite number ≥ 0, got ${secs}`);
          videoIndex++;
          nVideos--;
          ed = edVideo;
        }
        const count = lt * lh * lw;
        const padId = useImage ? opts.imageTokenId : opts.videoTokenId;
        let run = 0;
        while (ed + run < n && tok[ed + run] === padId) run++;
        if (run !== count) throw bad(`row ${b}: ${what} has ${run} ${useImage ? '<|image_pad|>' : '<|video_pad|>'} tokens but its grid [${lt}, ${lh * m}, ${lw * m}] needs ${count} (t·h·w / ${m}²)`);
        text(st, ed);
        const base = next;
        let maxP = base - 1;
        let k = ed;
        for (let ti = 0; ti < lt; ti++) {
          const tPos = is25 ? Math.trunc(Math.fround(Math.fround(ti * Math.fround(secs)) * tps)) : ti;
          for (let hi = 0; hi < lh; hi++) {
            for (let wi = 0; wi < lw; wi++, k++) {
              out[0][k] = base + tPos;
              out[1][k] = base + hi;
              out[2][k] = base + wi;
              maxP = Math.max(maxP, base + tPos, base + hi, base + wi);
            }
          }
        }
        next = maxP + 1;
        st = ed + count;
      }
    }
    text(st, n);
    let maxAll = -Infinity;
    for (let a = 0; a < 3; a++) {
      const src = out[a as 0 | 1 | 2];
      const dst = a * plane + b * L;
      for (let k = 0; k < n; k++) {
        const v = src[k]!;
        pos[dst + keep[k]!] = v;
        if (v > maxAll) maxAll = v;
      }
    }
    if (noVision) {
      // Reference: with a mask, positions are cumsum(mask) − 1 with padding at 1, and the delta
      // comes from their maximum (padding included); without a mask the delta is 0.
      if (mask) {
        let maxP = -Infinity;
        for (let i = 0; i < L; i++) maxP = Math.max(maxP, pos[b * L + i]!);
        deltas.push(maxP + 1 - L);
      } else deltas.push(0);
    } else {
      // Reference: max over the unmasked tokens' positions (an all-padding row counts as 0).
      deltas.push((n === 0 ? 0 : maxAll) + 1 - L);
    }
  }
  if (!noVision && (imageIndex !== images.length || videoIndex !== videos.length))
    throw bad(`the prompts hold ${imageIndex} image(s) and ${videoIndex} video(s) but ${images.length} image grid(s) and ${videos.length} video grid(s) were given`);
  return { positionIds: pos, batch: B, length: L, deltas };
}

/**
 * Position ids (same on t, h, w) for `count` tokens decoded after a prompt of length `promptLength`
 * whose row delta is `delta`: `promptLength + delta + k` for k = 0..count−1.
 */
export function decodePositions(promptLength: number, delta: number, count = 1): Int32Array {
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = promptLength + delta + k;
  return out;
}
