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
 * attention over the filled prefix only. Shapes stay constant from step to step (until the cache
 * grows, kv-cache.ts), which lets ONNX Runtime reuse its memory plan.
 *
 * Meant to run with the weights baked in (graphs.ts `buildCachedDecodeGraph` with `weights`):
 * the stacked projections below are then folded once; with weights as inputs the stacking Concat
 * runs at every step (correct, slower: tests and adapters-as-inputs only).
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from './config.js';
import { linear, silu } from './layers.js';
import { loraOf } from './lora.js';
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
  /** The LAST position after the final norm: `[batch, D]`. */
  hidden: Tensor;
  /** Per layer: the block's rotated keys / values `[batch, kv_heads, seq, head_dim]`. */
  newKeys: Tensor[];
  newValues: Tensor[];
}

/**
 * RMSNorm written in the exact pattern ONNX Runtime fuses into one SimplifiedLayerNormalization
 * kernel (`x / sqrt(mean(x^2) + eps) * w` with Pow, ReduceMean, Add, Sqrt, Div, Mul); layers.ts'
 * form (Mul(x, x), 1 / sqrt) computes the same but stays seven kernels.
 */
function rmsNormFusable(g: GraphBuilder, x: Tensor, w: Tensor, eps: number): Tensor {
  const ms = g.reduceMean(g.pow(x, g.scalar(2, x.dtype)), [-1], true);
  return g.mul(g.div(x, g.sqrt(g.add(ms, g.scalar(eps, x.dtype)))), w);
}

/** `x·[W1; W2; …]ᵀ (+ [b1; b2; …])`: one Gemm on the stacked weights (ONNX Runtime folds the Concat of baked weights once, at session creation); separate projections where LoRA adapters are attached. */
function stackedLinear(g: GraphBuilder, x: Tensor, ws: Tensor[], bs?: Tensor[]): Tensor {
  if (ws.some((w) => loraOf(w))) return g.concat(ws.map((w, i) => linear(g, x, w, bs?.[i], ['rows'])), -1);
  const w = g.concat(ws, 0);
  return g.gemm(x, w, bs ? { transB: true, c: g.concat(bs, 0) } : { transB: true });
}

/** `rotate_half` as one MatMul with a constant signed permutation `[hd, hd]` (exact: one ±1 term per output). */
function rotateHalfMatrix(g: GraphBuilder, hd: number, dtype: Tensor['dtype']): Tensor {
  const half = hd / 2;
  const r = new Float32Array(hd * hd);
  for (let i = 0; i < half; i++) {
    r[(i + half) * hd + i] = -1; // out[i] = −x[i + half]
    r[i * hd + i + half] = 1; // out[i + half] = x[i]
  }
  return g.constant(r, dtype, [hd, hd]);
}

/**
 * The decoder stack over an external cache (see the module comment). Rows stay 2-D `[batch·seq, D]`
 * between the projections (no reshapes around each Gemm); q, k, v come from one stacked
 * projection and gate, up from another; q and k are rotated together; the final norm and the LM
 * head only see the last position.
 */
export function cachedDecoderStack(g: GraphBuilder, cfg: QwenVLConfig, P: ParamLookup, inp: CachedDecoderInputs): CachedDecoderOutputs {
  const t = cfg.text;
  const H = t.numAttentionHeads;
  const KV = t.numKeyValueHeads;
  const rep = H / KV;
  const hd = t.headDim;
  const D = t.hiddenSize;
  const I = t.intermediateSize;
  const dt = inp.hidden.dtype;
  const cos = g.unsqueeze(inp.cos, [1]); // [B, 1, S, hd]
  const sin = g.unsqueeze(inp.sin, [1]);
  const R = rotateHalfMatrix(g, hd, dt);
  const scale = g.scalar(1 / Math.sqrt(hd), dt);
  const cap = g.dimOf(inp.cacheKeys[0]!, 2); // [1] int64: cache slots
  const zero = g.int64s([0]);
  const end = g.int64s([2 ** 31 - 1]);
  let x = g.reshape(inp.hidden, [-1, D]); // [rows, D]
  const newKeys: Tensor[] = [];
  const newValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNormFusable(g, x, P(`${p}.input_layernorm.weight`), t.rmsNormEps);
    const proj = ['q', 'k', 'v'].map((n) => `${p}.self_attn.${n}_proj`);
    const qkv = stackedLinear(g, h, proj.map((n) => P(`${n}.weight`)), proj.map((n) => P(`${n}.bias`))); // [rows, (H + 2KV)·hd]
    const heads = g.transpose(g.reshape(qkv, ['batch', 'seq', H + 2 * KV, hd]), [0, 2, 1, 3]); // [B, H + 2KV, S, hd]
    const [qk, v] = g.split(heads, [H + KV, KV], 1) as [Tensor, Tensor];
    const qkr = g.add(g.mul(qk, cos), g.mul(g.matmul(qk, R), sin)); // rotary on q and k at once
    const [q, k] = g.split(qkr, [H, KV], 1) as [Tensor, Tensor];
    newKeys.push(k);
    newValues.push(v);
    const q5 = g.reshape(q, ['batch', KV, rep, 'seq', hd]); // [B, KV, rep, S, hd]
    // keys enter the MatMul as [.., hd, T] through a last-two-axes Transpose, which ONNX Runtime
    // folds into the MatMul (transB): the cache is never copied
    const kc = g.transpose(g.unsqueeze(inp.cacheKeys[i]!, [2]), [0, 1, 2, 4, 3]); // [B, KV, 1, hd, cap]
    const kn = g.transpose(g.unsqueeze(k, [2]), [0, 1, 2, 4, 3]); // [B, KV, 1, hd, S]
    const scores = g.add(g.mul(g.concat([g.matmul(q5, kc), g.matmul(q5, kn)], -1), scale), inp.mask); // [B, KV, rep, S, cap + S]
    const probs = g.softmax(scores, -1);
    const pc = g.sliceDynamic(probs, zero, cap, -1, ['batch', KV, rep, 'seq', 'cap']);
    const pn = g.sliceDynamic(probs, cap, end, -1, ['batch', KV, rep, 'seq', 'seq']);
    const attn = g.add(g.matmul(pc, g.unsqueeze(inp.cacheValues[i]!, [2])), g.matmul(pn, g.unsqueeze(v, [2]))); // [B, KV, rep, S, hd]
    const ao = g.reshape(g.transpose(g.reshape(attn, ['batch', H, 'seq', hd]), [0, 2, 1, 3]), [-1, H * hd]); // [rows, H·hd]
    x = g.add(x, linear(g, ao, P(`${p}.self_attn.o_proj.weight`), undefined, ['rows']));
    const h2 = rmsNormFusable(g, x, P(`${p}.post_attention_layernorm.weight`), t.rmsNormEps);
    const [gate, up] = g.split(stackedLinear(g, h2, [P(`${p}.mlp.gate_proj.weight`), P(`${p}.mlp.up_proj.weight`)]), [I, I], -1) as [Tensor, Tensor];
    x = g.add(x, linear(g, g.mul(silu(g, gate), up), P(`${p}.mlp.down_proj.weight`), undefined, ['rows']));
  }
  const last = g.reshape(g.slice(g.reshape(x, ['batch', 'seq', D]), [-1], [2 ** 31 - 1], [1]), ['batch', D]);
  return { hidden: rmsNormFusable(g, last, P('model.norm.weight'), t.rmsNormEps), newKeys, newValues };
}
