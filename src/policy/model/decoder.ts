/**
 * The Qwen2 decoder as a graph: RMSNorm, grouped-query attention with multimodal rotary
 * embeddings, SwiGLU MLP, final norm and LM head (tied or untied).
 *
 * Shapes: `hidden [batch, seq, D]`, `cos`/`sin [batch, seq, head_dim]` (M-RoPE already folded in,
 * rope.ts), `mask [batch, 1, 1, seq, total]` additive (causal + padding), optional KV cache
 * `past_key.i`/`past_value.i [batch, kv_heads, past, head_dim]` (total = past + seq).
 *
 * GQA without copies: queries are viewed as `[batch, kv_heads, rep, seq, hd]` and keys/values as
 * `[batch, kv_heads, 1, total, hd]`, so MatMul broadcasting shares each key/value head among its
 * `rep` query heads.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from './config.js';
import { applyRotary, linear, rmsNorm, silu } from './layers.js';
import type { ParamLookup } from './vision.js';

export interface DecoderInputs {
  hidden: Tensor;
  cos: Tensor;
  sin: Tensor;
  mask: Tensor;
  pastKeys?: Tensor[];
  pastValues?: Tensor[];
}

export interface DecoderOutputs {
  /** After the final norm: `[batch, seq, D]`. */
  hidden: Tensor;
  presentKeys: Tensor[];
  presentValues: Tensor[];
}

export function decoderStack(g: GraphBuilder, cfg: QwenVLConfig, P: ParamLookup, inp: DecoderInputs): DecoderOutputs {
  const t = cfg.text;
  const H = t.numAttentionHeads;
  const KV = t.numKeyValueHeads;
  const rep = H / KV;
  const hd = t.headDim;
  const lead = ['batch', 'seq'];
  const cos = g.unsqueeze(inp.cos, [1]); // [B, 1, S, hd]
  const sin = g.unsqueeze(inp.sin, [1]);
  const scale = g.scalar(1 / Math.sqrt(hd), inp.hidden.dtype);
  let x = inp.hidden;
  const presentKeys: Tensor[] = [];
  const presentValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(g, x, P(`${p}.input_layernorm.weight`), t.rmsNormEps);
    const q = g.transpose(g.reshape(linear(g, h, P(`${p}.self_attn.q_proj.weight`), P(`${p}.self_attn.q_proj.bias`), lead), ['batch', 'seq', H, hd]), [0, 2, 1, 3]);
    let k = g.transpose(g.reshape(linear(g, h, P(`${p}.self_attn.k_proj.weight`), P(`${p}.self_attn.k_proj.bias`), lead), ['batch', 'seq', KV, hd]), [0, 2, 1, 3]);
    let v = g.transpose(g.reshape(linear(g, h, P(`${p}.self_attn.v_proj.weight`), P(`${p}.self_attn.v_proj.bias`), lead), ['batch', 'seq', KV, hd]), [0, 2, 1, 3]);
    const qr = applyRotary(g, q, cos, sin); // [B, H, S, hd]
    k = applyRotary(g, k, cos, sin); // [B, KV, S, hd]
    if (inp.pastKeys && inp.pastValues) {
      k = g.concat([inp.pastKeys[i]!, k], 2);
      v = g.concat([inp.pastValues[i]!, v], 2);
    }
    presentKeys.push(k);
    presentValues.push(v);
    const q5 = g.reshape(qr, ['batch', KV, rep, 'seq', hd]);
    const kT5 = g.unsqueeze(g.transpose(k, [0, 1, 3, 2]), [2]); // [B, KV, 1, hd, T]
    const v5 = g.unsqueeze(v, [2]); // [B, KV, 1, T, hd]
    const scores = g.add(g.mul(g.matmul(q5, kT5), scale), inp.mask); // [B, KV, rep, S, T]
    const attn = g.matmul(g.softmax(scores, -1), v5); // [B, KV, rep, S, hd]
    const o = g.reshape(g.transpose(g.reshape(attn, ['batch', H, 'seq', hd]), [0, 2, 1, 3]), ['batch', 'seq', H * hd]);
    x = g.add(x, linear(g, o, P(`${p}.self_attn.o_proj.weight`), undefined, lead));
    const h2 = rmsNorm(g, x, P(`${p}.post_attention_layernorm.weight`), t.rmsNormEps);
    const gate = silu(g, linear(g, h2, P(`${p}.mlp.gate_proj.weight`), undefined, lead));
    const up = linear(g, h2, P(`${p}.mlp.up_proj.weight`), undefined, lead);
    x = g.add(x, linear(g, g.mul(gate, up), P(`${p}.mlp.down_proj.weight`), undefined, lead));
  }
  return { hidden: rmsNorm(g, x, P('model.norm.weight'), t.rmsNormEps), presentKeys, presentValues };
}

/** LM head: `[.., D] -> [.., vocab]` with the embedding matrix when tied. */
export function lmHead(g: GraphBuilder, cfg: QwenVLConfig, P: ParamLookup, hidden: Tensor, lead: readonly (string | number)[]): Tensor {
  const w = cfg.text.tieWordEmbeddings ? P('model.embed_tokens.weight') : P('lm_head.weight');
  return linear(g, hidden, w, undefined, lead);
}
