/**
 * The three graphs of a Qwen2-VL policy. Every parameter is a graph INPUT named by its Hugging
 * Face name, so one compiled session serves every optimiser step (weights are fed, not baked in).
 *
 * - vision:  pixel_values, vision_cos/sin, vision_mask(, vision_window_mask) -> image_features [merged, D]
 * - decode:  inputs_embeds [batch, seq, D], cos/sin, attn_mask [batch, 1, 1, seq, total],
 *            past_key.i / past_value.i [batch, kv, past, hd]
 *            -> logits [batch, vocab] of the last position, present_key.i / present_value.i
 *            (the reference decode graph; sampling uses the cached one below)
 * - cached decode (decoder-cached.ts): inputs_embeds, cos/sin, attn_mask [batch, 1, 1, seq, cap + seq],
 *            cache_key.i / cache_value.i [batch, kv, cap, hd] (a caller-owned fixed-capacity cache)
 *            -> logits [batch, vocab] of the last position, new_key.i / new_value.i [batch, kv, seq, hd]
 * - train:   input_ids, targets [batch, seq] (next token ids), loss_mask [batch, seq], cos/sin,
 *            attn_mask [batch, 1, 1, seq, seq], inv_temperature [] (+ vision inputs and
 *            image_index / is_image [batch, seq] when the batch has images)
 *            -> logp [batch, seq] (log-probability of each target at the given temperature),
 *               entropy [batch, seq], loss and metrics of the caller's objective,
 *               grad.<param> for every trainable parameter.
 *
 * With `lora` (lora.ts) each graph also takes the adapters of its adapted weights as inputs
 * (`<module>.lora_A.weight [r, in]`, `<module>.lora_B.weight [out, r]`).
 */
import { GraphBuilder } from '../graph/builder.js';
import { grad } from '../graph/autodiff.js';
import type { DType, Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from './config.js';
import { decoderStack, lmHead } from './decoder.js';
import { cachedDecoderStack } from './decoder-cached.js';
import { paramSpecs } from './params.js';
import { attachLora, loraNames, type LoraSpec } from './lora.js';
import { visionTower, type ParamLookup, type VisionInputs } from './vision.js';

/** What an objective sees: symbolic per-token tensors of the batch. */
export interface ObjectiveTensors {
  /** `[batch, seq]` log π(target | prefix) at the configured temperature. */
  logp: Tensor;
  /** `[batch, seq]` 1 for completion tokens that count, 0 elsewhere. */
  mask: Tensor;
  /** `[batch, seq]` entropy of the next-token distribution (differentiable). */
  entropy: Tensor;
}

/**
 * A training objective: adds its own inputs (e.g. `advantages`, `old_logp`) and returns the
 * scalar loss plus named scalar metrics. `key` identifies the graph it builds (for caching).
 */
export interface Objective {
  key: string;
  build(g: GraphBuilder, t: ObjectiveTensors): { loss: Tensor; metrics?: Record<string, Tensor> };
}

function paramInputs(g: GraphBuilder, cfg: QwenVLConfig, filter: (name: string, vision: boolean) => boolean, dtype: DType, lora?: LoraSpec): ParamLookup {
  const map = new Map<string, Tensor>();
  for (const s of paramSpecs(cfg)) if (filter(s.name, s.vision)) map.set(s.name, g.input(s.name, dtype, s.shape));
  // LoRA: adapters of the weights in this graph are inputs too, attached to their weight (lora.ts)
  for (const m of lora?.modules ?? []) {
    const w = map.get(`${m.name}.weight`);
    if (!w) continue;
    const n = loraNames(m.name);
    const a = g.input(n.a, dtype, [lora!.rank, m.in]);
    const b = g.input(n.b, dtype, [m.out, lora!.rank]);
    map.set(n.a, a);
    map.set(n.b, b);
    attachLora(w, { a, b, scale: lora!.scale });
  }
  return (name) => {
    const t = map.get(name);
    if (!t) throw new Error(`graph: parameter ${name} is not an input of this graph`);
    return t;
  };
}

export interface GraphBuildOptions {
  dtype?: DType;
  /** LoRA adapters as extra inputs (`<module>.lora_A.weight`, `<module>.lora_B.weight`). */
  lora?: LoraSpec;
}

/** The vision graph: merged image features. */
export function buildVisionGraph(cfg: QwenVLConfig, o: GraphBuildOptions = {}): GraphBuilder {
  const dt = o.dtype ?? 'float32';
  const g = new GraphBuilder({ name: 'glimpse_vision' });
  const P = paramInputs(g, cfg, (_n, vision) => vision, dt, o.lora);
  g.output('image_features', visionTower(g, cfg, P, visionInputs(g, cfg, dt)));
  return g;
}

/** The vision inputs (feeds.ts `visionFeeds`): pixel_values, vision_cos/sin, vision_mask(, vision_window_mask). */
function visionInputs(g: GraphBuilder, cfg: QwenVLConfig, dt: DType): VisionInputs {
  const v = cfg.vision;
  const K = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const hd = v.embedDim / v.numHeads;
  const pixelValues = g.input('pixel_values', dt, ['patches', K]);
  const cos = g.input('vision_cos', dt, ['patches', hd]);
  const sin = g.input('vision_sin', dt, ['patches', hd]);
  const mask = g.input('vision_mask', dt, ['patches', 'patches']);
  const windowMask = v.windowSize !== null ? g.input('vision_window_mask', dt, ['patches', 'patches']) : undefined;
  return { pixelValues, cos, sin, mask, ...(windowMask ? { windowMask } : {}) };
}

/** The decode graph with KV cache (prefill when `past` is 0, one step when `seq` is 1). */
export function buildDecodeGraph(cfg: QwenVLConfig, o: GraphBuildOptions = {}): GraphBuilder {
  const dt = o.dtype ?? 'float32';
  const t = cfg.text;
  const g = new GraphBuilder({ name: 'glimpse_decode' });
  const P = paramInputs(g, cfg, (_n, vision) => !vision, dt, o.lora);
  const hidden = g.input('inputs_embeds', dt, ['batch', 'seq', t.hiddenSize]);
  const cos = g.input('cos', dt, ['batch', 'seq', t.headDim]);
  const sin = g.input('sin', dt, ['batch', 'seq', t.headDim]);
  const mask = g.input('attn_mask', dt, ['batch', 1, 1, 'seq', 'total']);
  const pastKeys: Tensor[] = [];
  const pastValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    pastKeys.push(g.input(`past_key.${i}`, dt, ['batch', t.numKeyValueHeads, 'past', t.headDim]));
    pastValues.push(g.input(`past_value.${i}`, dt, ['batch', t.numKeyValueHeads, 'past', t.headDim]));
  }
  const out = decoderStack(g, cfg, P, { hidden, cos, sin, mask, pastKeys, pastValues });
  const last = g.reshape(g.slice(out.hidden, [-1], [2 ** 31 - 1], [1]), ['batch', t.hiddenSize]);
  g.output('logits', lmHead(g, cfg, P, last, ['batch']));
  out.presentKeys.forEach((k, i) => g.output(`present_key.${i}`, k));
  out.presentValues.forEach((v, i) => g.output(`present_value.${i}`, v));
  return g;
}

/** Parameters as initializers holding `weights` (baked into the model). */
function bakedParams(g: GraphBuilder, cfg: QwenVLConfig, filter: (name: string, vision: boolean) => boolean, weights: ReadonlyMap<string, Float32Array>): ParamLookup {
  const map = new Map<string, Tensor>();
  for (const s of paramSpecs(cfg)) {
    if (!filter(s.name, s.vision)) continue;
    const w = weights.get(s.name);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== n) throw new Error(`graph: weights of ${s.name} ${w ? `have ${w.length} values, expected ${n}` : 'are missing'}`);
    map.set(s.name, g.initializer(s.name, w, s.shape));
  }
  return (name) => {
    const t = map.get(name);
    if (!t) throw new Error(`graph: parameter ${name} is not in this graph`);
    return t;
  };
}

export interface CachedDecodeGraphOptions extends GraphBuildOptions {
  /**
   * Bake these weights (Hugging Face names, adapters already merged) into the model as
   * initializers instead of taking the parameters as inputs: ONNX Runtime then pre-packs the
   * projection matrices once per session, which makes a small-batch step markedly cheaper.
   * `lora` is ignored then (merge adapters into the weights first).
   */
  weights?: ReadonlyMap<string, Float32Array>;
}

/**
 * The decode graph over a caller-owned KV cache (decoder-cached.ts): the cache is an input of
 * fixed capacity, only the block's new keys/values are outputs (no per-step cache copies).
 */
export function buildCachedDecodeGraph(cfg: QwenVLConfig, o: CachedDecodeGraphOptions = {}): GraphBuilder {
  const dt = o.dtype ?? 'float32';
  const t = cfg.text;
  const g = new GraphBuilder({ name: 'glimpse_decode_cached' });
  const text = (_n: string, vision: boolean) => !vision;
  const P = o.weights ? bakedParams(g, cfg, text, o.weights) : paramInputs(g, cfg, text, dt, o.lora);
  const hidden = g.input('inputs_embeds', dt, ['batch', 'seq', t.hiddenSize]);
  const cos = g.input('cos', dt, ['batch', 'seq', t.headDim]);
  const sin = g.input('sin', dt, ['batch', 'seq', t.headDim]);
  const mask = g.input('attn_mask', dt, ['batch', 1, 1, 'seq', 'total']);
  const cacheKeys: Tensor[] = [];
  const cacheValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    cacheKeys.push(g.input(`cache_key.${i}`, dt, ['batch', t.numKeyValueHeads, 'cap', t.headDim]));
    cacheValues.push(g.input(`cache_value.${i}`, dt, ['batch', t.numKeyValueHeads, 'cap', t.headDim]));
  }
  const out = cachedDecoderStack(g, cfg, P, { hidden, cos, sin, mask, cacheKeys, cacheValues });
  g.output('logits', lmHead(g, cfg, P, out.hidden, ['batch']));
  out.newKeys.forEach((k, i) => g.output(`new_key.${i}`, k));
  out.newValues.forEach((v, i) => g.output(`new_value.${i}`, v));
  return g;
}

export interface TrainGraphOptions extends GraphBuildOptions {
  /** Parameters that receive gradients (graph outputs `grad.<name>`). */
  trainable: ReadonlySet<string>;
  objective: Objective;
  /** Include the vision tower (the batch has images). */
  images: boolean;
}

/** The training graph: forward, per-token logprobs, objective and gradients in one run. */
export function buildTrainGraph(cfg: QwenVLConfig, o: TrainGraphOptions): GraphBuilder {
  const dt = o.dtype ?? 'float32';
  const t = cfg.text;
  const g = new GraphBuilder({ name: 'glimpse_train' });
  const P = paramInputs(g, cfg, (_n, vision) => o.images || !vision, dt, o.lora);
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const targets = g.input('targets', 'int64', ['batch', 'seq']);
  const lossMask = g.input('loss_mask', dt, ['batch', 'seq']);
  const cos = g.input('cos', dt, ['batch', 'seq', t.headDim]);
  const sin = g.input('sin', dt, ['batch', 'seq', t.headDim]);
  const mask = g.input('attn_mask', dt, ['batch', 1, 1, 'seq', 'seq']);
  const invTemp = g.input('inv_temperature', dt, []);
  let hidden = g.gather(P('model.embed_tokens.weight'), ids, 0); // [batch, seq, D]
  if (o.images) {
    const vision = visionInputs(g, cfg, dt);
    const imageIndex = g.input('image_index', 'int64', ['batch', 'seq']);
    const isImage = g.input('is_image', 'bool', ['batch', 'seq']);
    const feats = visionTower(g, cfg, P, vision);
    const placed = g.gather(feats, imageIndex, 0); // [batch, seq, D]
    hidden = g.where(g.unsqueeze(isImage, [2]), placed, hidden);
  }
  const out = decoderStack(g, cfg, P, { hidden, cos, sin, mask });
  const logits = g.mul(lmHead(g, cfg, P, out.hidden, ['batch', 'seq']), invTemp); // [batch, seq, V]
  const logProbs = g.logSoftmax(logits, -1);
  const logp = g.squeeze(g.gatherElements(logProbs, g.unsqueeze(targets, [2]), 2), [2]);
  const entropy = g.neg(g.reduceSum(g.mul(g.exp(logProbs), logProbs), [-1], false));
  const { loss, metrics = {} } = o.objective.build(g, { logp, mask: lossMask, entropy });
  g.output('loss', loss);
  g.output('logp', logp);
  g.output('entropy', entropy);
  for (const [k, v] of Object.entries(metrics)) g.output(`metric.${k}`, v);
  const names = paramSpecs(cfg).filter((s) => o.trainable.has(s.name) && (o.images || !s.vision)).map((s) => s.name);
  for (const m of o.lora?.modules ?? []) {
    if (!o.images && m.vision) continue;
    const n = loraNames(m.name);
    for (const k of [n.a, n.b]) if (o.trainable.has(k)) names.push(k);
  }
  if (names.length) {
    const grads = grad(g, loss, names.map((n) => P(n)));
    grads.forEach((d, i) => g.output(`grad.${names[i]}`, d));
  }
  return g;
}
