/**
 * glimpse's own logits for a prompt, through the policy's vision and decode graphs with the
 * host-side tables (getRopeIndex, mropeTables, decoderMask): the reference the exported model is
 * checked against.
 */
import * as ort from 'onnxruntime-node';
import { createSession } from '../../../../src/policy/runner.js';
import { buildDecodeGraph, buildVisionGraph } from '../../../../src/policy/model/graphs.js';
import { paramFeeds, visionFeeds, type ImagePatches } from '../../../../src/policy/model/feeds.js';
import { decoderMask, mropeTables } from '../../../../src/policy/model/rope.js';
import { getRopeIndex, ropeOptionsFromConfig } from '../../../../src/policy/model/rope-index.js';
import type { QwenVLPolicy } from '../../../../src/policy/model/policy.js';

/** Last-position logits `[vocab]` of glimpse's decode graph (prefill) for `ids` with `images`. */
export async function glimpseLastLogits(policy: QwenVLPolicy, ids: readonly number[], images: readonly ImagePatches[]): Promise<Float32Array> {
  const cfg = policy.cfg;
  const D = cfg.text.hiddenSize;
  const hd = cfg.text.headDim;
  let feats: Float32Array | undefined;
  if (images.length) {
    const vs = await createSession(buildVisionGraph(cfg), {});
    feats = (await vs.run({ ...visionFeeds(cfg, images), ...paramFeeds(policy.params, policy.shapes, vs.inputNames) })).image_features!.data as Float32Array;
    await vs.release();
  }
  const emb = policy.params.get('model.embed_tokens.weight')!;
  const S = ids.length;
  const embeds = new Float32Array(S * D);
  let k = 0;
  ids.forEach((t, i) => {
    if (t === cfg.tokens.imageTokenId && feats) embeds.set(feats.subarray(k * D, ++k * D), i * D);
    else embeds.set(emb.subarray(t * D, (t + 1) * D), i * D);
  });
  const rope = getRopeIndex({ inputIds: [[...ids]], imageGridThw: images.map((i) => i.grid) }, ropeOptionsFromConfig(cfg));
  const tab = mropeTables(cfg, rope.positionIds, 1, S);
  const ds = await createSession(buildDecodeGraph(cfg), {});
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', embeds, [1, S, D]),
    cos: new ort.Tensor('float32', tab.cos, [1, S, hd]),
    sin: new ort.Tensor('float32', tab.sin, [1, S, hd]),
    attn_mask: new ort.Tensor('float32', decoderMask(1, S, 0), [1, 1, 1, S, S]),
    ...paramFeeds(policy.params, policy.shapes, ds.inputNames),
  };
  for (let i = 0; i < cfg.text.numHiddenLayers; i++) {
    feeds[`past_key.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, cfg.text.numKeyValueHeads, 0, hd]);
    feeds[`past_value.${i}`] = new ort.Tensor('float32', new Float32Array(0), [1, cfg.text.numKeyValueHeads, 0, hd]);
  }
  const r = await ds.run(feeds);
  await ds.release();
  return Float32Array.from(r.logits!.data as Float32Array);
}
