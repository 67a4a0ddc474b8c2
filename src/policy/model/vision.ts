/**
 * The Qwen2-VL / Qwen2.5-VL vision tower as a graph: patch embedding (a Conv3d with kernel =
 * stride = [temporal_patch, patch, patch], computed as one Gemm on flattened patches), ViT blocks
 * with 2-D rotary embeddings, and the 2×2 patch merger.
 *
 * Inputs (symbolic `patches` = Σ t·h·w over the images, in the processor's merge-window order):
 * - `pixel_values [patches, C·T·P·P]`
 * - `vision_cos`, `vision_sin [patches, head_dim]` (see rope.ts `visionRotary`)
 * - `vision_mask [patches, patches]` additive (0 within one frame of one image, −inf across);
 *   Qwen2.5-VL adds `vision_window_mask` for its window-attention blocks (same idea, per window).
 * Output: merged features `[merged, hidden]`, `merged = patches / merge²`.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from './config.js';
import { activation, applyRotary, gelu, linear, rmsNorm } from './layers.js';

export interface VisionInputs {
  pixelValues: Tensor;
  cos: Tensor;
  sin: Tensor;
  mask: Tensor;
  /** Qwen2.5-VL: mask of the window-attention blocks. */
  windowMask?: Tensor;
}

export type ParamLookup = (name: string) => Tensor;

function norm(g: GraphBuilder, cfg: QwenVLConfig, x: Tensor, P: ParamLookup, prefix: string): Tensor {
  if (cfg.vision.norm === 'rmsnorm') return rmsNorm(g, x, P(`${prefix}.weight`), 1e-6);
  return g.layerNorm(x, P(`${prefix}.weight`), P(`${prefix}.bias`), { axis: -1, epsilon: 1e-6 });
}

/** The vision tower; returns `[merged, hidden]`. */
export function visionTower(g: GraphBuilder, cfg: QwenVLConfig, P: ParamLookup, inp: VisionInputs): Tensor {
  const v = cfg.vision;
  const E = v.embedDim;
  const H = v.numHeads;
  const hd = E / H;
  const K = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const wPatch = g.reshape(P('visual.patch_embed.proj.weight'), [E, K]);
  let x = linear(g, inp.pixelValues, wPatch, undefined, ['patches']); // [patches, E]
  const cos = g.unsqueeze(inp.cos, [1]); // [patches, 1, hd]
  const sin = g.unsqueeze(inp.sin, [1]);
  const scale = g.scalar(1 / Math.sqrt(hd), x.dtype);
  for (let i = 0; i < v.depth; i++) {
    const p = `visual.blocks.${i}`;
    const useWindow = v.windowSize !== null && !v.fullattBlockIndexes.includes(i) && inp.windowMask;
    const mask = useWindow ? inp.windowMask! : inp.mask;
    const h = norm(g, cfg, x, P, `${p}.norm1`);
    const qkv = g.reshape(linear(g, h, P(`${p}.attn.qkv.weight`), P(`${p}.attn.qkv.bias`), ['patches']), ['patches', 3, H, hd]);
    const [q0, k0, v0] = g.split(qkv, [1, 1, 1], 1).map((t) => g.squeeze(t, [1])); // [patches, H, hd]
    const q = g.transpose(applyRotary(g, q0!, cos, sin), [1, 0, 2]); // [H, patches, hd]
    const kT = g.transpose(applyRotary(g, k0!, cos, sin), [1, 2, 0]); // [H, hd, patches]
    const vv = g.transpose(v0!, [1, 0, 2]);
    const scores = g.add(g.mul(g.matmul(q, kT), scale), mask); // [H, patches, patches]
    const attn = g.matmul(g.softmax(scores, -1), vv); // [H, patches, hd]
    const o = g.reshape(g.transpose(attn, [1, 0, 2]), ['patches', E]);
    x = g.add(x, linear(g, o, P(`${p}.attn.proj.weight`), P(`${p}.attn.proj.bias`), ['patches']));
    const h2 = norm(g, cfg, x, P, `${p}.norm2`);
    let m: Tensor;
    if (v.mlp === 'mlp') {
      m = activation(g, v.hiddenAct, linear(g, h2, P(`${p}.mlp.fc1.weight`), P(`${p}.mlp.fc1.bias`), ['patches']));
      m = linear(g, m, P(`${p}.mlp.fc2.weight`), P(`${p}.mlp.fc2.bias`), ['patches']);
    } else {
      const gate = activation(g, v.hiddenAct, linear(g, h2, P(`${p}.mlp.gate_proj.weight`), P(`${p}.mlp.gate_proj.bias`), ['patches']));
      const up = linear(g, h2, P(`${p}.mlp.up_proj.weight`), P(`${p}.mlp.up_proj.bias`), ['patches']);
      m = linear(g, g.mul(gate, up), P(`${p}.mlp.down_proj.weight`), P(`${p}.mlp.down_proj.bias`), ['patches']);
    }
    x = g.add(x, m);
  }
  // merger: ln_q, then groups of merge² consecutive patches -> MLP
  const mm = v.spatialMergeSize * v.spatialMergeSize;
  const lnq = cfg.vision.norm === 'rmsnorm'
    ? rmsNorm(g, x, P('visual.merger.ln_q.weight'), 1e-6)
    : g.layerNorm(x, P('visual.merger.ln_q.weight'), P('visual.merger.ln_q.bias'), { axis: -1, epsilon: 1e-6 });
  const grouped = g.reshape(lnq, [-1, E * mm]);
  const m1 = gelu(g, linear(g, grouped, P('visual.merger.mlp.0.weight'), P('visual.merger.mlp.0.bias'), ['merged']));
  return linear(g, m1, P('visual.merger.mlp.2.weight'), P('visual.merger.mlp.2.bias'), ['merged']);
}
