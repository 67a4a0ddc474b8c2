/**
 * Building blocks of the Qwen2-VL graphs, written with the graph builder (so autodiff gives
 * their gradients): linear layers on Hugging Face `[out, in]` weights, RMSNorm, rotary
 * embeddings, grouped-query attention. Shapes in the JSDoc use the symbolic names of the graphs.
 */
import type { GraphBuilder } from '../graph/builder.js';
import type { Dim, Tensor } from '../graph/tensor.js';
import { loraDelta, loraOf } from './lora.js';

/**
 * `x · Wᵀ + b` with a Hugging Face weight `W: [out, in]`, on `x: [...lead, in]`: flattened to 2-D
 * and computed as one Gemm with `transB` (no transposed copy of the weight, forward or backward).
 * `lead` names the leading dims of the result (e.g. `['batch', 'seq']`). A weight with a LoRA
 * adapter attached (lora.ts `attachLora`) adds `(α/r)·(x·Aᵀ)·Bᵀ`.
 */
export function linear(g: GraphBuilder, x: Tensor, w: Tensor, b: Tensor | undefined, lead: readonly Dim[]): Tensor {
  const inDim = w.shape[1]!;
  const outDim = w.shape[0]!;
  const x2 = x.rank === 2 ? x : g.reshape(x, [-1, inDim]);
  let y = g.gemm(x2, w, b ? { transB: true, c: b } : { transB: true });
  const adapter = loraOf(w); // LoRA (lora.ts): + (α/r)·(x·Aᵀ)·Bᵀ
  if (adapter) y = g.add(y, loraDelta(g, x2, adapter));
  return lead.length === 1 ? y : g.reshape(y, [...lead, outDim]);
}

/** RMSNorm (Qwen2): `x / sqrt(mean(x²) + ε) · w` over the last axis. */
export function rmsNorm(g: GraphBuilder, x: Tensor, w: Tensor, eps: number): Tensor {
  const ms = g.reduceMean(g.mul(x, x), [-1], true);
  const inv = g.div(g.scalar(1, x.dtype), g.sqrt(g.add(ms, g.scalar(eps, x.dtype))));
  return g.mul(g.mul(x, inv), w);
}

/** SiLU `x · σ(x)`. */
export function silu(g: GraphBuilder, x: Tensor): Tensor {
  return g.mul(x, g.sigmoid(x));
}

/** QuickGELU `x · σ(1.702 x)` (CLIP, Qwen2-VL vision MLP). */
export function quickGelu(g: GraphBuilder, x: Tensor): Tensor {
  return g.mul(x, g.sigmoid(g.mul(x, g.scalar(1.702, x.dtype))));
}

/** Exact GELU `x · ½(1 + erf(x/√2))` (Qwen2-VL patch merger). */
export function gelu(g: GraphBuilder, x: Tensor): Tensor {
  const half = g.scalar(0.5, x.dtype);
  return g.mul(g.mul(x, half), g.add(g.scalar(1, x.dtype), g.erf(g.mul(x, g.scalar(Math.SQRT1_2, x.dtype)))));
}

/** The activation named in a config (`silu`, `quick_gelu`, `gelu`). */
export function activation(g: GraphBuilder, name: string, x: Tensor): Tensor {
  if (name === 'silu' || name === 'swish') return silu(g, x);
  if (name === 'quick_gelu') return quickGelu(g, x);
  if (name === 'gelu' || name === 'gelu_pytorch_tanh') return gelu(g, x);
  throw new Error(`unsupported activation '${name}' (known: silu, quick_gelu, gelu)`);
}

/** `rotate_half`: `[x1, x2] -> [−x2, x1]` over the last axis (split in halves). */
export function rotateHalf(g: GraphBuilder, x: Tensor): Tensor {
  const d = x.shape[x.rank - 1] as number;
  const [x1, x2] = g.split(x, [d / 2, d / 2], -1);
  return g.concat([g.neg(x2!), x1!], -1);
}

/** Rotary embedding `x·cos + rotate_half(x)·sin`; cos/sin broadcast against x. */
export function applyRotary(g: GraphBuilder, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return g.add(g.mul(x, cos), g.mul(rotateHalf(g, x), sin));
}
