/**
 * The Qwen2 decoder for sampling against a fixed-capacity KV cache that lives OUTSIDE the graph.
 *
 * The plain decode graph (decoder.ts) concatenates `past` with the step's keys/values and outputs
 * the whole `present` cache, so every step copies the cache twice inside ONNX Runtime (Concat, the
 * output Identity) and once more into fresh JS buffers: O(T) copies and garbage per token. Here the
 * cache is a caller-owned buffer `cache_key.i` / `cache_value.i [batch, kv_heads, cap, head_dim]`
 * fed by reference (onnxruntime-node does not copy inputs); the graph outputs only the step's own
 * `new_key.i` / `new_value.i [batch, kv_heads, seq, head_dim]`, which the caller writes into the
 * cache at the next free slots. Attention runs over the cache slots and the new block side by side:
 *
 *   scores = [q·K_cacheᵀ | q·k_newᵀ] · d_h^-½ + mask        (mask [batch, 1, 1, seq, cap + seq])
 *   p      = softmax(scores)
 *   out    = p[:, :cap]·V_cache + p[:, cap:]·v_new
 *
 * which is softmax attention over concat(cache, new) without building the concatenation. Unused
 * cache slots are masked (additive −1e9, exp underflows to exactly 0), so the result equals
 * attention over the filled prefix only. Shapes stay constant from step to step (cap is fixed),
 * which lets ONNX Runtime reuse its memory plan.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from './config.js';
import { applyRotary, linear, rmsNorm, silu } from './layers.js';
import type { ParamLookup } from './vision.js';

export interface CachedDecoderInputs {
  /** `[batch, seq, D]`. */
  hidden: Tensor;
  /** `[batch, seq, head_dim]` (M-RoPE folded in, rope.ts). */
  cos: Tensor;
  sin: Tensor;
  /** Additive `[batch, 1, 1, seq, cap + seq]`: which cache slots and which new positions each query sees. */
  mask: Tensor;
  /** Per layer `[batch, kv_heads, cap, head_dim]`. */
  cacheKeys: Tensor[];
  cacheValues: Tensor[];
}

export interface CachedDecoderOutputs {
  /** After the final norm: `[batch, seq, D]`. */
  hidden: Tensor;
  /** Per layer: the block's rotated keys / values `[batch, kv_heads, seq, head_dim]`. */
  newKeys: Tensor[];
  newValues: Tensor[];
}

/** The decoder stack over an external cache (see the module comment). */
export function cachedDecoderStack(g: GraphBuilder, cfg: QwenVLConfig, P: ParamLookup, inp: CachedDecoderInputs): CachedDecoderOutputs {
  const t = cfg.text;
  const H = t.numAttentionHeads;
  const KV = t.numKeyValueHeads;
  const rep = H / KV;
  const hd = t.headDim;
  const lead = ['batch', 'seq'];
  const cos = g.unsqueeze(inp.cos, [1]); // [B, 1, S, hd]
  const sin = g.unsqueeze(inp.sin, [1]);
  const scale = g.scalar(1 / Math.sqrt(hd), inp.hidden.dtype);
  const cap = g.dimOf(inp.cacheKeys[0]!, 2); // [1] int64: cache slots
  const zero = g.int64s([0]);
  const end = g.int64s([2 ** 31 - 1]);
  let x = inp.hidden;
  const newKeys: Tensor[] = [];
  const newValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(g, x, P(`${p}.input_layernorm.weight`), t.rmsNormEps);
    const qf = linear(g, h, P(`${p}.self_attn.q_proj.weight`), P(`${p}.self_attn.q_proj.bias`), lead);
    const kf = linear(g, h, P(`${p}.self_attn.k_proj.weight`), P(`${p}.self_attn.k_proj.bias`), lead);
    const vf = linear(g, h, P(`${p}.self_attn.v_proj.weight`), P(`${p}.self_attn.v_proj.bias`), lead);
    const q = g.transpose(g.reshape(qf, ['batch', 'seq', H, hd]), [0, 2, 1, 3]);
    let k = g.transpose(g.reshape(kf, ['batch', 'seq', KV, hd]), [0, 2, 1, 3]);
    const v = g.transpose(g.reshape(vf, ['batch', 'seq', KV, hd]), [0, 2, 1, 3]);
    const q5 = g.reshape(applyRotary(g, q, cos, sin), ['batch', KV, rep, 'seq', hd]); // [B, KV, rep, S, hd]
    k = applyRotary(g, k, cos, sin); // [B, KV, S, hd]
    newKeys.push(k);
    newValues.push(v);
    // keys enter the MatMul as [.., hd, T] through a last-two-axes Transpose, which ONNX Runtime
    // folds into the MatMul (transB): the cache is never copied
    const kc = g.transpose(g.unsqueeze(inp.cacheKeys[i]!, [2]), [0, 1, 2, 4, 3]); // [B, KV, 1, hd, cap]
    const kn = g.transpose(g.unsqueeze(k, [2]), [0, 1, 2, 4, 3]); // [B, KV, 1, hd, S]
    const scores = g.add(g.mul(g.concat([g.matmul(q5, kc), g.matmul(q5, kn)], -1), scale), inp.mask); // [B, KV, rep, S, cap + S]
    const probs = g.softmax(scores, -1);
    const pc = g.sliceDynamic(probs, zero, cap, -1, ['batch', KV, rep, 'seq', 'cap']);
    const pn = g.sliceDynamic(probs, cap, end, -1, ['batch', KV, rep, 'seq', 'seq']);
    const attn = g.add(g.matmul(pc, g.unsqueeze(inp.cacheValues[i]!, [2])), g.matmul(pn, g.unsqueeze(v, [2]))); // [B, KV, rep, S, hd]
    const ao = g.reshape(g.transpose(g.reshape(attn, ['batch', H, 'seq', hd]), [0, 2, 1, 3]), ['batch', 'seq', H * hd]);
    x = g.add(x, linear(g, ao, P(`${p}.self_attn.o_proj.weight`), undefined, lead));
    const h2 = rmsNorm(g, x, P(`${p}.post_attention_layernorm.weight`), t.rmsNormEps);
    const gate = silu(g, linear(g, h2, P(`${p}.mlp.gate_proj.weight`), undefined, lead));
    const up = linear(g, h2, P(`${p}.mlp.up_proj.weight`), undefined, lead);
    x = g.add(x, linear(g, g.mul(gate, up), P(`${p}.mlp.down_proj.weight`), undefined, lead));
  }
  return { hidden: rmsNorm(g, x, P('model.norm.weight'), t.rmsNormEps), newKeys, newValues };
}

