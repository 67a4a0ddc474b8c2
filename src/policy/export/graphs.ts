/**
 * The three ONNX graphs of the transformers.js Qwen2-VL layout, built with glimpse's own graph
 * builder from the same model code as glimpse's graphs (vision.ts `visionTower`, decoder.ts
 * `decoderStack` / `lmHead`), with the weights as INITIALIZERS and the host-side tables computed
 * in-graph (./frontends.ts). Inputs and outputs are named and shaped as transformers.js
 * (v3/v4, `Qwen2VLForConditionalGeneration`) feeds and reads them:
 *
 * - `embed_tokens`:  input_ids int64 [batch_size, sequence_length] -> inputs_embeds [.., .., D]
 * - `vision_encoder`: pixel_values [patches, C·T·P·P], grid_thw int64 [images, 3]
 *                    (`image_grid_thw` for qwen2_5_vl) -> image_features [patches / m², D]
 * - `decoder_model_merged`: inputs_embeds [batch, seq, D], attention_mask int64 [batch, total],
 *                    position_ids int64 [3, batch, seq], num_logits_to_keep int64 [] (0 = all),
 *                    past_key_values.{i}.key / .value [batch_size, kv_heads, past_sequence_length, head_dim]
 *                    -> logits [batch, kept, vocab], present.{i}.key / .value [batch, kv_heads, total, head_dim]
 *
 * The cache inputs use the dim names transformers.js resolves when it makes the empty first
 * cache (`batch_size`; any other symbol becomes 0).
 */
import { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import type { QwenVLConfig } from '../model/config.js';
import { decoderStack, lmHead } from '../model/decoder.js';
import { paramSpecs, type ParamMap } from '../model/params.js';
import { visionTower, type ParamLookup } from '../model/vision.js';
import { GlimpseError } from '../../util/errors.js';
import { causalMaskFrontEnd, mropeFrontEnd, visionFrontEnd } from './frontends.js';

/** ONNX opset of the exported graphs (ONNX Runtime Web and Node both run it). */
export const EXPORT_OPSET = 18;

/** Weights of `cfg` as initializers of `g`, created on first use (so each graph holds only what it reads). */
function initializers(g: GraphBuilder, cfg: QwenVLConfig, params: ParamMap): ParamLookup {
  const shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
  const made = new Map<string, Tensor>();
  return (name) => {
    const hit = made.get(name);
    if (hit) return hit;
    const data = params.get(name);
    const shape = shapes.get(name);
    if (!data || !shape) throw new GlimpseError('corrupt', `export: the model has no weight ${name}`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new GlimpseError('corrupt', `export: weight ${name} holds ${data[i]} at element ${i}`, 'a model with non-finite weights cannot be exported; check the training run that produced it');
    }
    const t = g.initializer(name, data, shape, 'float32');
    made.set(name, t);
    return t;
  };
}

/** The name transformers.js gives the grid input of the vision encoder. */
export function gridInputName(cfg: QwenVLConfig): string {
  return cfg.modelType === 'qwen2_5_vl' ? 'image_grid_thw' : 'grid_thw';
}

/** `embed_tokens.onnx`: token embedding lookup. */
export function buildEmbedTokensGraph(cfg: QwenVLConfig, params: ParamMap): GraphBuilder {
  const g = new GraphBuilder({ name: 'embed_tokens', opset: EXPORT_OPSET });
  const P = initializers(g, cfg, params);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.output('inputs_embeds', g.gather(P('model.embed_tokens.weight'), ids, 0));
  return g;
}

/** `vision_encoder.onnx`: patches + grids -> merged image features. */
export function buildVisionEncoderGraph(cfg: QwenVLConfig, params: ParamMap): GraphBuilder {
  const g = new GraphBuilder({ name: 'vision_encoder', opset: EXPORT_OPSET });
  const P = initializers(g, cfg, params);
  const v = cfg.vision;
  const K = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const pixelValues = g.input('pixel_values', 'float32', ['patches', K]);
  const grid = g.input(gridInputName(cfg), 'int64', ['num_images', 3]);
  const fe = visionFrontEnd(g, cfg, pixelValues, grid);
  g.output('image_features', visionTower(g, cfg, P, { pixelValues, cos: fe.cos, sin: fe.sin, mask: fe.mask, ...(fe.windowMask ? { windowMask: fe.windowMask } : {}) }));
  return g;
}

/** `decoder_model_merged.onnx`: decoder with KV cache (prefill when past is empty) and LM head. */
export function buildDecoderMergedGraph(cfg: QwenVLConfig, params: ParamMap): GraphBuilder {
  const t = cfg.text;
  const g = new GraphBuilder({ name: 'decoder_model_merged', opset: EXPORT_OPSET });
  const P = initializers(g, cfg, params);
  // 'batch' and 'seq' are the symbols decoder.ts reshapes with
  const hidden = g.input('inputs_embeds', 'float32', ['batch', 'seq', t.hiddenSize]);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'total']);
  const positionIds = g.input('position_ids', 'int64', [3, 'batch', 'seq']);
  const pastKeys: Tensor[] = [];
  const pastValues: Tensor[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    pastKeys.push(g.input(`past_key_values.${i}.key`, 'float32', ['batch_size', t.numKeyValueHeads, 'past_sequence_length', t.headDim]));
    pastValues.push(g.input(`past_key_values.${i}.value`, 'float32', ['batch_size', t.numKeyValueHeads, 'past_sequence_length', t.headDim]));
  }
  const { cos, sin } = mropeFrontEnd(g, cfg, positionIds);
  const mask = causalMaskFrontEnd(g, attentionMask, hidden);
  const out = decoderStack(g, cfg, P, { hidden, cos, sin, mask, pastKeys, pastValues });
  // num_logits_to_keep (HF semantics): logits of the last k positions only, 0 = all positions;
  // transformers.js feeds 1 while generating, so the prefill skips the LM head on the prompt.
  const keep = g.reshape(g.input('num_logits_to_keep', 'int64', []), [1]);
  const seq = g.dimOf(hidden, 1);
  const start = g.where(g.equal(keep, 0), g.int64s([0]), g.max(g.sub(seq, keep), 0));
  const kept = g.sliceDynamic(out.hidden, start, seq, 1, ['batch', 'kept', t.hiddenSize]);
  g.output('logits', lmHead(g, cfg, P, kept, ['batch', -1]));
  out.presentKeys.forEach((k, i) => g.output(`present.${i}.key`, k));
  out.presentValues.forEach((v, i) => g.output(`present.${i}.value`, v));
  return g;
}
