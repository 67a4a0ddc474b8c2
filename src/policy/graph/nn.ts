/**
 * Transformer building blocks as decompositions into builder ops (so autodiff covers them):
 * linear layers, RMSNorm, SiLU/SwiGLU, GELU, rotary embeddings, causal masks, grouped-query
 * attention with a KV head repeat, per-token log-probabilities and cross-entropy.
 * Shapes use B = batch, T = query length, S = key length, H = heads, D = head dim, V = vocab.
 */
import { GlimpseError } from '../../util/errors.js';
import type { GraphBuilder } from './builder.js';
import { type Tensor, fmtShape } from './tensor.js';
import { transposeLast } from './ops/matmul.js';

/** `x·W + b` for W `[in, out]`, or `x·Wᵀ + b` for Hugging Face layout W `[out, in]` (`transposed`). */
export function linear(g: GraphBuilder, x: Tensor, w: Tensor, b?: Tensor, o: { transposed?: boolean } = {}): Tensor {
  const y = g.matmul(x, o.transposed ? g.transpose(w, [1, 0]) : w);
  return b ? g.add(y, b) : y;
}

/** RMSNorm (Zhang & Sennrich 2019, as in Qwen2): `x / sqrt(mean(x², -1) + eps) · w`. */
export function rmsNorm(g: GraphBuilder, x: Tensor, w: Tensor, eps = 1e-6): Tensor {
  const ms = g.reduceMean(g.mul(x, x), [-1], true);
  return g.mul(g.div(x, g.sqrt(g.add(ms, eps))), w);
}

/** LayerNorm via the ONNX LayerNormalization op (last axis). */
export function layerNorm(g: GraphBuilder, x: Tensor, scale: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  return g.layerNorm(x, scale, bias, { axis: -1, epsilon: eps });
}

/** SiLU / swish (Elfwing et al. 2018): `x · σ(x)`. */
export function silu(g: GraphBuilder, x: Tensor): Tensor {
  return g.mul(x, g.sigmoid(x));
}

/** SwiGLU MLP (Shazeer 2020, Qwen2): `(silu(x·Wg) ⊙ x·Wu)·Wd`. */
export function swiglu(g: GraphBuilder, x: Tensor, wGate: Tensor, wUp: Tensor, wDown: Tensor, o: { transposed?: boolean } = {}): Tensor {
  return linear(g, g.mul(silu(g, linear(g, x, wGate, undefined, o)), linear(g, x, wUp, undefined, o)), wDown, undefined, o);
}

/**
 * Exact GELU (Hendrycks & Gimpel 2016): `0.5·x·(1 + erf(x/√2))`, with the lean hand-written
 * gradient `dy·(Φ(x) + x·φ(x))` (Φ, φ: standard normal cdf and pdf). ONNX Runtime fuses the forward
 * into one Gelu kernel. float32 only (ONNX Runtime has no float64 Erf).
 */
export function gelu(g: GraphBuilder, x: Tensor): Tensor {
  return g.customGradient([x], (v) => g.mul(g.mul(v, 0.5), g.add(g.erf(g.mul(v, Math.SQRT1_2)), 1)), ({ g: b, x: [v], dy }) => {
    const cdf = b.add(b.mul(b.erf(b.mul(v!, Math.SQRT1_2)), 0.5), 0.5);
    const pdf = b.mul(b.exp(b.mul(b.mul(v!, v!), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [b.mul(dy, b.add(cdf, b.mul(v!, pdf)))];
  });
}

/**
 * Tanh-approximated GELU (GPT-2): `0.5·x·(1 + tanh(c·(x + a·x³)))`, c = √(2/π), a = 0.044715, with
 * the hand-written gradient `dy·(0.5·(1 + t) + 0.5·c·x·(1 − t²)·(1 + 3a·x²))` reusing t = tanh(·)
 * (about half the elementwise passes of the chain rule over the pieces, and no fan-out sum).
 */
export function geluTanh(g: GraphBuilder, x: Tensor): Tensor {
  const c = Math.sqrt(2 / Math.PI);
  const a = 0.044715;
  return g.customGradient([x], (v) => {
    const t = g.tanh(g.mul(g.add(v, g.mul(g.mul(g.mul(v, v), v), a)), c));
    return [g.mul(g.mul(v, 0.5), g.add(t, 1)), t];
  }, ({ g: b, x: [v], saved: [t], dy }) => {
    const k = 0.5 * c;
    const inner = b.add(b.mul(b.mul(v!, v!), 3 * a * k), k); // 0.5·c·(1 + 3a·x²)
    const sech2 = b.sub(1, b.mul(t!, t!));
    const d = b.add(b.add(b.mul(t!, 0.5), 0.5), b.mul(b.mul(v!, sech2), inner));
    return [b.mul(dy, d)];
  });
}

/** `[x1, x2] -> [-x2, x1]` on the last axis (rotate-half convention of GPT-NeoX / Qwen2). */
export function rotateHalf(g: GraphBuilder, x: Tensor): Tensor {
  const d = x.shape[x.rank - 1];
  if (typeof d !== 'number' || d % 2 !== 0) throw new GlimpseError('bad_argument', `rotateHalf: the last axis of ${fmtShape(x.shape)} must be static and even`);
  const [x1, x2] = g.split(x, [d / 2, d / 2], -1);
  return g.concat([g.neg(x2!), x1!], -1);
}

/**
 * Rotary position embedding (Su et al. 2021): `x·cos + rotateHalf(x)·sin`, with `cos`/`sin`
 * broadcastable to `x` (e.g. `[T, D]` or `[B, 1, T, D]` for x `[B, H, T, D]`).
 */
export function rotary(g: GraphBuilder, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return g.add(g.mul(x, cos), g.mul(rotateHalf(g, x), sin));
}

/**
 * Rotary tables `[T, D]` for positions `0..T-1` (base θ = 10000 as in RoFormer; Qwen2 uses
 * 1e6): returns constants `{ cos, sin }`.
 */
export function rotaryTables(g: GraphBuilder, seq: number, dim: number, dtype: 'float32' | 'float64' = 'float32', theta = 10000): { cos: Tensor; sin: Tensor } {
  const cos = new Float64Array(seq * dim);
  const sin = new Float64Array(seq * dim);
  for (let t = 0; t < seq; t++) {
    for (let i = 0; i < dim / 2; i++) {
      const a = t / theta ** ((2 * i) / dim);
      cos[t * dim + i] = cos[t * dim + i + dim / 2] = Math.cos(a);
      sin[t * dim + i] = sin[t * dim + i + dim / 2] = Math.sin(a);
    }
  }
  return { cos: g.constant(cos, dtype, [seq, dim]), sin: g.constant(sin, dtype, [seq, dim]) };
}

/**
 * Additive causal mask `[T, S]` (0 where key s <= query t + (S - T), else `-1e9`) from the
 * run-time lengths of `q` (axis -2) and `k` (axis -2). Constant-folded when the lengths are static.
 */
export function causalMask(g: GraphBuilder, q: Tensor, k: Tensor, dtype = q.dtype): Tensor {
  const T = q.shape[q.rank - 2]!;
  const S = k.shape[k.rank - 2]!;
  const shape = g.concat([g.dimOf(q, -2), g.dimOf(k, -2)], 0);
  const big = g.fill(shape, -1e9, dtype, [T, S]);
  const offset = typeof T === 'number' && typeof S === 'number' ? S - T : 0;
  return g.trilu(big, true, 1 + offset);
}

/** Repeats KV heads for grouped-query attention: `[B, Hkv, S, D] -> [B, Hkv·rep, S, D]` (Expand + Reshape). */
export function repeatKv(g: GraphBuilder, x: Tensor, rep: number): Tensor {
  if (rep === 1) return x;
  const [B, H, S, D] = x.shape;
  if (x.rank !== 4 || typeof H !== 'number') throw new GlimpseError('bad_argument', `repeatKv: expected [B, Hkv, S, D] with static Hkv, got ${fmtShape(x.shape)}`);
  const e = g.expand(g.unsqueeze(x, [2]), [1, 1, rep, 1, 1]);
  return g.reshape(e, [0, H * rep, -1, D!], [B!, H * rep, S!, D!]);
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017) with optional causal masking and GQA:
 * `softmax(q·kᵀ/√D + mask)·v`. q `[B, H, T, D]`, k/v `[B, Hkv, S, D]` -> `[B, H, T, D]`.
 */
export function attention(g: GraphBuilder, q: Tensor, k: Tensor, v: Tensor, o: { causal?: boolean; mask?: Tensor; scale?: number } = {}): Tensor {
  const H = q.shape[1];
  const Hkv = k.shape[1];
  if (typeof H !== 'number' || typeof Hkv !== 'number' || H % Hkv !== 0) throw new GlimpseError('bad_argument', `attention: query heads ${String(H)} must be a multiple of kv heads ${String(Hkv)}`);
  const kk = repeatKv(g, k, H / Hkv);
  const vv = repeatKv(g, v, H / Hkv);
  const D = q.shape[3];
  const scale = o.scale ?? (typeof D === 'number' ? 1 / Math.sqrt(D) : undefined);
  if (scale === undefined) throw new GlimpseError('bad_argument', 'attention: head dim must be static (or pass scale)');
  let scores = g.matmul(g.mul(q, scale), transposeLast(g, kk));
  if (o.causal) scores = g.add(scores, causalMask(g, q, kk, q.dtype));
  if (o.mask) scores = g.add(scores, o.mask);
  return g.matmul(g.softmax(scores, -1), vv);
}

/** `[B, T, H·D] -> [B, H, T, D]`. */
export function splitHeads(g: GraphBuilder, x: Tensor, heads: number): Tensor {
  const [B, T, E] = x.shape;
  if (x.rank !== 3 || typeof E !== 'number' || E % heads !== 0) throw new GlimpseError('bad_argument', `splitHeads: expected [B, T, ${heads}·D], got ${fmtShape(x.shape)}`);
  return g.transpose(g.reshape(x, [0, 0, heads, E / heads], [B!, T!, heads, E / heads]), [0, 2, 1, 3]);
}

/** `[B, H, T, D] -> [B, T, H·D]`. */
export function mergeHeads(g: GraphBuilder, x: Tensor): Tensor {
  const [B, H, T, D] = x.shape;
  if (x.rank !== 4 || typeof H !== 'number' || typeof D !== 'number') throw new GlimpseError('bad_argument', `mergeHeads: expected [B, H, T, D] with static H, D, got ${fmtShape(x.shape)}`);
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [0, 0, H * D], [B!, T!, H * D]);
}

/**
 * Per-token log-probabilities of `targets` `[B, T]` (int64) under `logits` `[B, T, V]` -> `[B, T]`:
 * LogSoftmax + GatherElements. The hand-written gradient `d logits = onehot(target)·dy − softmax·dy`
 * touches the `[B, T, V]` tensor three times (Exp, Mul, ScatterElements-add) instead of six, which
 * matters for large vocabularies (Qwen2: V = 151 936).
 */
export function tokenLogprobs(g: GraphBuilder, logits: Tensor, targets: Tensor): Tensor {
  const idx = g.unsqueeze(targets, [-1]);
  return g.customGradient([logits], (l) => {
    const lp = g.logSoftmax(l, -1);
    return [g.squeeze(g.gatherElements(lp, idx, -1), [-1]), lp];
  }, ({ g: b, saved: [lp], dy }) => {
    const gu = b.unsqueeze(dy, [-1]); // [B, T, 1]
    return [b.scatterElements(b.mul(b.exp(lp!), b.neg(gu)), idx, gu, -1, 'add')];
  });
}

/** Mean cross-entropy over tokens, optionally masked (`mask` `[B, T]` float, 1 = counted). */
export function crossEntropy(g: GraphBuilder, logits: Tensor, targets: Tensor, mask?: Tensor): Tensor {
  const lp = tokenLogprobs(g, logits, targets);
  if (!mask) return g.neg(g.reduceMean(lp, undefined, false));
  const total = g.reduceSum(g.mul(lp, mask), undefined, false);
  return g.neg(g.div(total, g.max(g.reduceSum(mask, undefined, false), 1)));
}

/** Weights of one pre-norm transformer block (W as `[in, out]`). */
export interface BlockWeights {
  norm1: Tensor;
  norm1Bias?: Tensor;
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  norm2: Tensor;
  norm2Bias?: Tensor;
  /** MLP: `act(x·w1 + b1)·w2 + b2`, or SwiGLU with `wGate` given (act ignored). */
  w1: Tensor;
  b1?: Tensor;
  w2: Tensor;
  b2?: Tensor;
  wGate?: Tensor;
}

export interface BlockOptions {
  heads: number;
  /** KV heads (GQA); default = heads. */
  kvHeads?: number;
  causal?: boolean;
  norm?: 'layer' | 'rms';
  act?: 'gelu' | 'gelu_tanh' | 'relu' | 'silu';
  /** Rotary tables applied to q and k. */
  rope?: { cos: Tensor; sin: Tensor };
}

/** One pre-norm transformer block: `x + attn(norm(x))`, then `x + mlp(norm(x))`. x `[B, T, E]`. */
export function transformerBlock(g: GraphBuilder, x: Tensor, w: BlockWeights, o: BlockOptions): Tensor {
  const norm = (t: Tensor, s: Tensor, b?: Tensor) => (o.norm === 'rms' ? rmsNorm(g, t, s) : layerNorm(g, t, s, b));
  const h = norm(x, w.norm1, w.norm1Bias);
  let q = splitHeads(g, linear(g, h, w.wq), o.heads);
  let k = splitHeads(g, linear(g, h, w.wk), o.kvHeads ?? o.heads);
  const v = splitHeads(g, linear(g, h, w.wv), o.kvHeads ?? o.heads);
  if (o.rope) {
    q = rotary(g, q, o.rope.cos, o.rope.sin);
    k = rotary(g, k, o.rope.cos, o.rope.sin);
  }
  const a = mergeHeads(g, attention(g, q, k, v, { causal: o.causal ?? true }));
  const x1 = g.add(x, linear(g, a, w.wo));
  const h2 = norm(x1, w.norm2, w.norm2Bias);
  let m: Tensor;
  if (w.wGate) m = swiglu(g, h2, w.wGate, w.w1, w.w2);
  else {
    const pre = linear(g, h2, w.w1, w.b1);
    const act = o.act ?? 'gelu';
    const z = act === 'relu' ? g.relu(pre) : act === 'silu' ? silu(g, pre) : act === 'gelu_tanh' ? geluTanh(g, pre) : gelu(g, pre);
    m = linear(g, z, w.w2, w.b2);
  }
  return g.add(x1, m);
}
