/**
 * In-graph front-ends of the exported transformers.js models. Inside glimpse, the host computes
 * the vision rotary tables and block masks from the patch grids, the M-RoPE cos/sin from the 3-D
 * position ids and the causal mask (src/policy/model/rope.ts); transformers.js feeds only
 * `grid_thw`, `position_ids` and `attention_mask`, so the exported graphs compute the same
 * tensors from those inputs with ONNX ops (int64 index arithmetic, Range, CumSum, Where).
 *
 * Every function mirrors one host function of rope.ts, element for element:
 * - {@link visionFrontEnd} ↔ `visionRotary` + `visionMasks` (merge-window patch order);
 * - {@link mropeFrontEnd} ↔ `mropeTables` (Qwen2-VL §2.1 multimodal RoPE);
 * - {@link causalMaskFrontEnd} ↔ `decoderMask` (causal over the cache, padding keys blocked).
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from '../model/config.js';
import { MASKED } from '../model/rope.js';

/** Run-time 1-element int64 → int64 scalar. */
function scalarOf(g: GraphBuilder, t: Tensor): Tensor {
  return t.rank === 0 ? t : g.reshape(t, []);
}

/** `[start, limit)` step 1 as int64, with a declared symbolic length `dim`. */
function arange(g: GraphBuilder, start: Tensor, limit: Tensor, dim: string): Tensor {
  return g.node1('Range', [scalarOf(g, start), scalarOf(g, limit), g.scalar(1, 'int64')], {}, 'int64', [dim]);
}

/** Column `i` of `grid_thw [n, 3]` as `[n]` int64. */
function gridColumn(g: GraphBuilder, grid: Tensor, i: number): Tensor {
  return g.gather(grid, g.scalar(i, 'int64'), 1);
}

export interface VisionFrontEnd {
  /** `[patches, head_dim]` cos/sin of the ViT's 2-D rotary embedding. */
  cos: Tensor;
  sin: Tensor;
  /** `[patches, patches]` additive mask: 0 within one frame of one image, MASKED across. */
  mask: Tensor;
  /** Qwen2.5-VL: `[patches, patches]` mask of the window-attention blocks. */
  windowMask?: Tensor;
}

/**
 * Vision rotary tables and masks from `gridThw [images, 3]` (int64) for `patches` patches in the
 * processor's merge-window order (`pixelValues [patches, K]` declares the symbol `patches`).
 *
 * For patch p of image i (start s_i = Σ_{j<i} t_j·h_j·w_j): l = p − s_i, frame f = ⌊l / hw⌋,
 * r = l − f·hw, block b = ⌊r / m²⌋, (mh, mw) = divmod(r − b·m², m), (bh, bw) = divmod(b, w/m);
 * row = bh·m + mh, col = bw·m + mw. The image of p is the one with s_i ≤ p < s_i + t_i·h_i·w_i,
 * chosen by a `[patches, images]` membership matrix (images is small).
 */
export function visionFrontEnd(g: GraphBuilder, cfg: QwenVLConfig, pixelValues: Tensor, gridThw: Tensor): VisionFrontEnd {
  const v = cfg.vision;
  const m = v.spatialMergeSize;
  const hd = v.embedDim / v.numHeads;
  const dim = hd / 2; // rotary dim of transformers' VisionRotaryEmbedding
  const nf = dim / 2; // frequencies per axis
  const t = gridColumn(g, gridThw, 0);
  const h = gridColumn(g, gridThw, 1);
  const w = gridColumn(g, gridThw, 2);
  const hw = g.mul(h, w); // [n]
  const sizes = g.mul(t, hw);
  const ends = g.node1('CumSum', [sizes, g.scalar(0, 'int64')], {}, 'int64', sizes.shape); // [n]
  const starts = g.sub(ends, sizes);
  const p = g.unsqueeze(arange(g, g.scalar(0, 'int64'), g.dimOf(pixelValues, 0), 'patches'), [1]); // [patches, 1]
  const member = g.and(g.greaterOrEqual(p, starts), g.less(p, ends)); // [patches, n]
  const l = g.sub(p, starts);
  const frame = g.div(l, hw);
  const r = g.sub(l, g.mul(frame, hw));
  const blk = g.div(r, m * m);
  const within = g.sub(r, g.mul(blk, m * m));
  const mh = g.div(within, m);
  const mw = g.sub(within, g.mul(mh, m));
  const wm = g.div(w, m);
  const bh = g.div(blk, wm);
  const bw = g.sub(blk, g.mul(bh, wm));
  const zero = g.scalar(0, 'int64');
  const pick = (x: Tensor) => g.reduceSum(g.where(member, x, zero), [1], false); // [patches]
  const row = pick(g.add(g.mul(bh, m), mh));
  const col = pick(g.add(g.mul(bw, m), mw));
  // rotary: emb = cat(rot, rot), rot = cat(row·inv, col·inv)
  const inv = g.constant(Float32Array.from({ length: nf }, (_, i) => 1 / Math.pow(10000, (2 * i) / dim)), 'float32', [nf]);
  const fh = g.mul(g.unsqueeze(g.cast(row, 'float32'), [1]), inv); // [patches, nf]
  const fw = g.mul(g.unsqueeze(g.cast(col, 'float32'), [1]), inv);
  const emb = g.concat([fh, fw, fh, fw], 1); // [patches, hd]
  // block masks: same segment (frame of an image) <=> same segment start
  const segStart = pick(g.add(starts, g.mul(frame, hw))); // [patches]
  const blockMask = (key: Tensor) => g.where(g.equal(g.unsqueeze(key, [1]), g.unsqueeze(key, [0])), g.scalar(0, 'float32'), g.scalar(MASKED, 'float32'));
  const out: VisionFrontEnd = { cos: g.cos(emb), sin: g.sin(emb), mask: blockMask(segStart) };
  if (v.windowSize !== null) {
    // Qwen2.5-VL window of `ws` merged units per side: key = segment start · 2³² + window row · 2¹⁶ + window column
    const ws = v.windowSize / v.patchSize / m;
    const local = g.add(g.mul(g.div(bh, ws), 65536), g.div(bw, ws));
    out.windowMask = blockMask(pick(g.add(g.mul(g.add(starts, g.mul(frame, hw)), 2 ** 32), local)));
  }
  return out;
}

/**
 * M-RoPE cos/sin `[batch, seq, head_dim]` from `positionIds [3, batch, seq]` (int64): frequency
 * pair j takes its position from axis t, h or w by `mrope_section`; both halves of the head
 * dimension share the angles (rotate_half layout).
 */
export function mropeFrontEnd(g: GraphBuilder, cfg: QwenVLConfig, positionIds: Tensor): { cos: Tensor; sin: Tensor } {
  const hd = cfg.text.headDim;
  const half = hd / 2;
  const [s0, s1] = cfg.text.mropeSection;
  const axisOf = Array.from({ length: half }, (_, i) => (i < s0 ? 0 : i < s0 + s1 ? 1 : 2));
  const inv = g.constant(Float32Array.from({ length: half }, (_, i) => 1 / Math.pow(cfg.text.ropeTheta, (2 * i) / hd)), 'float32', [half]);
  const pos = g.gather(g.cast(positionIds, 'float32'), g.int64s(axisOf), 0); // [half, batch, seq]
  const angles = g.mul(g.transpose(pos, [1, 2, 0]), inv); // [batch, seq, half]
  const emb = g.concat([angles, angles], 2);
  return { cos: g.cos(emb), sin: g.sin(emb) };
}

/**
 * Additive decoder mask `[batch, 1, 1, seq, total]` from `attentionMask [batch, total]` (int64,
 * 1 = real token) for `seq` new positions after `total − seq` cached ones: query i sees key j iff
 * j ≤ total − seq + i and attentionMask[b, j] = 1.
 */
export function causalMaskFrontEnd(g: GraphBuilder, attentionMask: Tensor, hidden: Tensor): Tensor {
  const total = g.dimOf(attentionMask, 1);
  const past = g.sub(total, g.dimOf(hidden, 1));
  const k = g.unsqueeze(arange(g, g.scalar(0, 'int64'), total, 'total'), [0]); // [1, total]
  const q = g.unsqueeze(arange(g, past, total, 'seq'), [1]); // [seq, 1]
  const causal = g.lessOrEqual(k, q); // [seq, total]
  const keyOk = g.unsqueeze(g.equal(attentionMask, g.scalar(1, 'int64')), [1]); // [batch, 1, total]
  const keep = g.and(g.unsqueeze(causal, [0]), keyOk); // [batch, seq, total]
  return g.unsqueeze(g.where(keep, g.scalar(0, 'float32'), g.scalar(MASKED, 'float32')), [1, 2]);
}
