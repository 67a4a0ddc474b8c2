/**
 * Rotary tables and attention masks, computed on the host and fed to the graphs:
 *
 * - {@link visionRotary}: 2-D rotary embedding of the ViT (transformers `VisionRotaryEmbedding`,
 *   θ = 10 000, dim = head_dim/2: the first half of the frequencies rotate with the patch row,
 *   the second half with the column), in the processor's merge-window patch order;
 * - {@link mropeTables}: multimodal RoPE of the decoder from 3-D position ids (rope-index.ts):
 *   frequency pair j of the head dimension takes its position from axis t, h or w according to
 *   `mrope_section` (Qwen2-VL §2.1);
 * - {@link visionMasks} and {@link decoderMask}: additive masks (0 = attend, −1e9 = blocked).
 */
import type { QwenVLConfig } from './config.js';

/** Additive value of a blocked attention entry (finite, so fully-masked rows never make NaN). */
export const MASKED = -1e9;

export type Grid = readonly [number, number, number];

/** `[patches, head_dim]` cos and sin of the vision tower for images/videos with patch grids `grids`. */
export function visionRotary(cfg: QwenVLConfig, grids: readonly Grid[]): { cos: Float32Array; sin: Float32Array; patches: number } {
  const hd = cfg.vision.embedDim / cfg.vision.numHeads;
  const m = cfg.vision.spatialMergeSize;
  const dim = hd / 2; // rotary dim of VisionRotaryEmbedding
  const nf = dim / 2; // frequencies per axis
  const inv = new Float64Array(nf);
  for (let i = 0; i < nf; i++) inv[i] = 1 / Math.pow(10000, (2 * i) / dim);
  const patches = grids.reduce((a, [t, h, w]) => a + t * h * w, 0);
  const cos = new Float32Array(patches * hd);
  const sin = new Float32Array(patches * hd);
  let p = 0;
  for (const [t, h, w] of grids) {
    for (let ti = 0; ti < t; ti++)
      for (let bh = 0; bh < h / m; bh++)
        for (let bw = 0; bw < w / m; bw++)
          for (let mh = 0; mh < m; mh++)
            for (let mw = 0; mw < m; mw++, p++) {
              const hp = bh * m + mh;
              const wp = bw * m + mw;
              for (let i = 0; i < nf; i++) {
                const fh = hp * inv[i]!;
                const fw = wp * inv[i]!;
                // emb = cat(rot, rot) with rot = cat(freqs_h, freqs_w)
                for (const off of [0, dim]) {
                  cos[p * hd + off + i] = Math.cos(fh);
                  sin[p * hd + off + i] = Math.sin(fh);
                  cos[p * hd + off + nf + i] = Math.cos(fw);
                  sin[p * hd + off + nf + i] = Math.sin(fw);
                }
              }
            }
  }
  return { cos, sin, patches };
}

/**
 * Block-diagonal vision masks `[patches, patches]`: `full` lets each patch see the patches of the
 * same frame group of the same image (transformers' `cu_seqlens`); `window` (Qwen2.5-VL) further
 * restricts to the same attention window of `window_size` pixels.
 */
export function visionMasks(cfg: QwenVLConfig, grids: readonly Grid[]): { full: Float32Array; window?: Float32Array } {
  const m = cfg.vision.spatialMergeSize;
  const n = grids.reduce((a, [t, h, w]) => a + t * h * w, 0);
  const frame = new Int32Array(n);
  const win = new Int32Array(n);
  const ws = cfg.vision.windowSize ? cfg.vision.windowSize / cfg.vision.patchSize / m : 0; // window side in merged units
  let p = 0;
  let f = 0;
  let wId = 0;
  for (const [t, h, w] of grids) {
    const mh = h / m;
    const mw = w / m;
    const wCols = ws ? Math.ceil(mw / ws) : 1;
    for (let ti = 0; ti < t; ti++, f++) {
      for (let bh = 0; bh < mh; bh++)
        for (let bw = 0; bw < mw; bw++)
          for (let k = 0; k < m * m; k++, p++) {
            frame[p] = f;
            win[p] = ws ? wId + Math.floor(bh / ws) * wCols + Math.floor(bw / ws) : f;
          }
      wId += ws ? Math.ceil(mh / ws) * wCols : 1;
    }
  }
  const build = (ids: Int32Array) => {
    const out = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = ids[i] === ids[j] ? 0 : MASKED;
    return out;
  };
  return cfg.vision.windowSize ? { full: build(frame), window: build(win) } : { full: build(frame) };
}

/**
 * `[batch, seq, head_dim]` cos and sin of the decoder from position ids `[3, batch, seq]`
 * (row-major, as rope-index.ts returns them).
 */
export function mropeTables(cfg: QwenVLConfig, positionIds: Int32Array, batch: number, seq: number): { cos: Float32Array; sin: Float32Array } {
  const hd = cfg.text.headDim;
  const half = hd / 2;
  const [s0, s1] = cfg.text.mropeSection;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(cfg.text.ropeTheta, (2 * i) / hd);
  const axisOf = new Int8Array(half);
  for (let i = 0; i < half; i++) axisOf[i] = i < s0 ? 0 : i < s0 + s1 ? 1 : 2;
  const cos = new Float32Array(batch * seq * hd);
  const sin = new Float32Array(batch * seq * hd);
  const plane = batch * seq;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const o = (b * seq + s) * hd;
      for (let i = 0; i < half; i++) {
        const pos = positionIds[axisOf[i]! * plane + b * seq + s]!;
        const a = pos * inv[i]!;
        const c = Math.cos(a);
        const sn = Math.sin(a);
        cos[o + i] = c;
        cos[o + half + i] = c;
        sin[o + i] = sn;
        sin[o + half + i] = sn;
      }
    }
  }
  return { cos, sin };
}

/**
 * Additive decoder mask `[batch, 1, 1, seq, past + seq]`: causal over the whole cache, and keys
 * whose `keyMask` (`[batch, past + seq]`, 1 = real token) is 0 blocked.
 */
export function decoderMask(batch: number, seq: number, past: number, keyMask?: ArrayLike<number>): Float32Array {
  const total = past + seq;
  const out = new Float32Array(batch * seq * total);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < seq; i++)
      for (let j = 0; j < total; j++) {
        const ok = j <= past + i && (!keyMask || keyMask[b * total + j] === 1);
        out[(b * seq + i) * total + j] = ok ? 0 : MASKED;
      }
  return out;
}
