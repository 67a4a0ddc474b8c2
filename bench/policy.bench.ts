/**
 * The policy engine's speed on glimpse-tiny (Qwen2-VL architecture, ≈4.5 M parameters):
 *
 * 1. Sampling throughput of glimpse's KV-cache decode (`QwenVLPolicy.generate`): 8 samples × 128
 *    new tokens from one image prompt (temperature 1, no top-k/top-p), beside transformers.js
 *    `generate` on the exported copy of the same model (`glimpse export --format transformersjs`),
 *    in the same run: 8 copies of the prompt in one batch, do_sample, top_k 0. Tokens counted are
 *    the completion tokens each sample really produced (up to and including its stop token).
 *    glimpse samples with its decoder weights baked into the sampling session (rebuilt whenever
 *    the weights change); the headline repeats `generate` with unchanged weights, as the
 *    transformers.js side does. A second glimpse figure changes one weight before every call, so
 *    each call pays the rebuild, as the first `generate` after an optimiser step does in training.
 *
 * 2. Model FLOPs utilisation of one training step (`QwenVLPolicy.accumulate` with the GRPO
 *    clipped-surrogate objective, full fine-tuning, 16 sequences = 2 prompts × 8 samples, each
 *    an image prompt + 128 completion tokens) against the peak MatMul rate of ONNX Runtime on
 *    this machine (2048×1024×1024 float32, fastest single run), measured in alternation in the same
 *    run. FLOPs of a step (forward + backward = 3 × forward):
 *
 *      6 · P_text · T  +  6 · P_vis · N_patch  +  6 · P_merger · N_merged
 *      + 12 · L · H · d_h · Σ_b S_b²           (decoder attention: QKᵀ and AV, full S×S, fwd + bwd)
 *      + 12 · depth · E · Σ_img p_img²         (vision attention within each image)
 *
 *    P_text = matmul weights of the decoder layers + the LM head (V·D; the embedding lookup is
 *    not a matmul), T = real tokens; P_vis = patch embedding + ViT block matmuls per patch;
 *    P_merger = merger MLP per merged token. Norms, activations, softmax are not counted.
 *
 *   npm run bench -- policy [--rounds 3] [--threads N]
 *
 * On a machine shared with other jobs, ONNX Runtime's spinning thread pool suffers from
 * oversubscription; `--threads 1` then gives steadier figures (both engines get the same setting).
 *
 * 3. Padding of variable-length sequences in training micro-batches: the rollouts sampled in (1)
 *    (one image prompt + each completion as sampled), split as the trainer does (sorted by
 *    length, chunks of 16) and by `planMicroBatches` (sorted, each micro-batch ≤ 10 % padded
 *    token slots, src/policy/model/batching.ts): token and attention waste of each split, and
 *    the real tokens per second of forward + backward over all its micro-batches.
 *
 * Prints `RESULT policy_decode_tokens_per_s`, `RESULT policy_decode_vs_transformersjs`,
 * `RESULT policy_decode_after_update_vs_transformersjs`, `RESULT policy_train_mfu`,
 * `RESULT policy_train_padding_waste_sorted`, `RESULT policy_train_padding_waste_bounded`. Headlines
 * are best-of-rounds on each side (glimpse's best rate over transformers.js' best; the fastest
 * step over the fastest MatMul), since load from other jobs only ever slows a run down; the
 * median of the per-round ratios is printed too.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/policy/graph/builder.js';
import { sessionOptions } from '../src/policy/runner.js';
import { loadPolicy } from '../src/policy/model/folder.js';
import { paramSpecs } from '../src/policy/model/params.js';
import { exportTransformersJs } from '../src/policy/export/transformersjs.js';
import { aggregationWeights, grpoObjective } from '../src/grpo/objectives.js';
import type { TrainSequence } from '../src/policy/model/feeds.js';
import { paddingStats, planMicroBatches, sortedChunks } from '../src/policy/model/batching.js';
import type { RgbImage } from '../modalities/types.js';

const argRounds = process.argv.indexOf('--rounds');
const rounds = argRounds > 0 ? Math.max(1, Number(process.argv[argRounds + 1]) || 3) : 3;
const argThreads = process.argv.indexOf('--threads');
/** Intra-op threads of every session, glimpse's and transformers.js' alike (default: all cores). */
const threads = argThreads > 0 ? Math.max(1, Number(process.argv[argThreads + 1]) || 1) : availableParallelism();
const N_SAMPLES = 8;
const NEW_TOKENS = 128;
const TRAIN_BATCH = 16;
/** Micro-batch size of the padding measurement (the trainer's default micro_batch) and the waste bound of the planned split. */
const MICRO_BATCH = 16;
const MAX_WASTE = 0.1;

function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) % 251;
  return { width, height, data };
}

const img = image(112, 84); // 8×6 patches -> 12 image tokens
const PROMPT = 'Describe the picture, then give the box of the brightest region as [x1, y1, x2, y2].';
const policy = await loadPolicy('glimpse-tiny', { seed: 0, threads });
const cfg = policy.cfg;

// ---------- 1. sampling throughput: glimpse vs transformers.js on the exported copy ----------
const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-policy-'));
const out = join(dir, 'tiny-tjs');
await exportTransformersJs(policy, out);
const tf = await import('@huggingface/transformers');
tf.env.allowRemoteModels = false;
const tjsModel = await tf.Qwen2VLForConditionalGeneration.from_pretrained(out, { local_files_only: true, session_options: { intraOpNumThreads: threads } });
const processor = await tf.AutoProcessor.from_pretrained(out, { local_files_only: true });
const raw = new tf.RawImage(new Uint8ClampedArray(img.data), img.width, img.height, 3);
const chat = `<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>${PROMPT}<|im_end|>\n<|im_start|>assistant\n`;
// transformers.js' Qwen2-VL processor reads a list of images as video frames: process one prompt
// and batch it by hand (8 rows of ids, 8 copies of the patches and grid)
const one = await processor(chat, raw);
const rep = <T,>(x: T) => new Array<T>(N_SAMPLES).fill(x);
const tjsInputs = {
  input_ids: tf.cat(rep(one.input_ids), 0),
  attention_mask: tf.cat(rep(one.attention_mask), 0),
  pixel_values: tf.cat(rep(one.pixel_values), 0),
  image_grid_thw: tf.cat(rep(one.image_grid_thw), 0),
};
const promptLen = (tjsInputs.input_ids.dims as number[])[1]!;
const stopIds = new Set<number>([cfg.tokens.eosTokenIds, ...['<|im_end|>', '<|endoftext|>'].map((t) => policy.tokenizer.encode(t, { add_special_tokens: false }) as number[])].flat());

/** Completions of the headline rounds (token ids), reused for the padding measurement. */
const completions: number[][] = [];

async function glimpseDecode(seed: number, keep = false): Promise<{ tokens: number; s: number }> {
  const t0 = performance.now();
  const r = await policy.generate([{ text: PROMPT, images: [img] }], { n: N_SAMPLES, maxNewTokens: NEW_TOKENS, temperature: 1, seed });
  const s = (performance.now() - t0) / 1000;
  if (keep) completions.push(...r.map((x) => x.tokens));
  return { tokens: r.reduce((a, x) => a + x.tokens.length, 0), s };
}

async function tjsDecode(): Promise<{ tokens: number; s: number }> {
  const t0 = performance.now();
  const seqs = (await tjsModel.generate({ ...tjsInputs, max_new_tokens: NEW_TOKENS, do_sample: true, temperature: 1, top_k: 0 })) as InstanceType<typeof tf.Tensor>;
  const s = (performance.now() - t0) / 1000;
  let tokens = 0;
  for (const row of seqs.tolist() as bigint[][]) {
    const gen = row.slice(promptLen).map(Number);
    const stop = gen.findIndex((t) => stopIds.has(t));
    tokens += stop < 0 ? gen.length : stop + 1;
  }
  return { tokens, s };
}

// warm-up (session creation, first runs)
await policy.generate([{ text: PROMPT, images: [img] }], { n: 2, maxNewTokens: 4, temperature: 1, seed: 99 });
await tjsModel.generate({ ...tjsInputs, max_new_tokens: 4, do_sample: true, top_k: 0 });
const decodeRatios: number[] = [];
let bestGlimpse = 0;
let bestTjs = 0;
for (let round = 0; round < rounds; round++) {
  const a = await glimpseDecode(round, true);
  const b = await tjsDecode();
  const ra = a.tokens / a.s;
  const rb = b.tokens / b.s;
  decodeRatios.push(ra / rb);
  bestGlimpse = Math.max(bestGlimpse, ra);
  bestTjs = Math.max(bestTjs, rb);
  console.log(`decode round ${round + 1}: glimpse ${a.tokens} tokens in ${a.s.toFixed(2)} s = ${ra.toFixed(0)} tok/s; transformers.js ${b.tokens} tokens in ${b.s.toFixed(2)} s = ${rb.toFixed(0)} tok/s; ratio ${(ra / rb).toFixed(2)}`);
}
// glimpse after a weight update (every call rebuilds its sampling session, as after an optimiser step)
const nudged = policy.params.get('model.norm.weight')!;
let bestUpdated = 0;
for (let round = 0; round < rounds; round++) {
  nudged[0] = nudged[0]! + (round % 2 ? -1e-4 : 1e-4);
  const a = await glimpseDecode(round);
  bestUpdated = Math.max(bestUpdated, a.tokens / a.s);
  console.log(`decode after a weight update, round ${round + 1}: glimpse ${a.tokens} tokens in ${a.s.toFixed(2)} s = ${(a.tokens / a.s).toFixed(0)} tok/s (session rebuild included)`);
}
if (rounds % 2) nudged[0] = nudged[0]! - 1e-4;
await tjsModel.dispose();
rmSync(dir, { recursive: true, force: true });

// ---------- 2. training-step MFU ----------
const enc = await policy.encodePrompt({ text: PROMPT, images: [img] });
const seqs: TrainSequence[] = [];
for (let b = 0; b < TRAIN_BATCH; b++) {
  const completion = Array.from({ length: NEW_TOKENS }, (_, i) => (b * 131 + i * 17) % 256 + 300);
  seqs.push({ ids: [...enc.ids, ...completion], promptLength: enc.ids.length, images: enc.images });
}
const objective = grpoObjective({ clipLow: 0.2, clipHigh: 0.28, ratioLevel: 'token', klCoef: 0, klEstimator: 'k3' });
const values = {
  perToken: {
    old_logp: seqs.map(() => new Float32Array(NEW_TOKENS).fill(-6.9)),
    token_weight: aggregationWeights(seqs.map(() => NEW_TOKENS), 'token-mean'),
  },
  perSeq: { advantages: Float32Array.from({ length: TRAIN_BATCH }, (_, i) => (i % 2 ? 1 : -1)) },
};

/** FLOPs of one step (see the module comment). */
function stepFlops(): { flops: number; tokens: number } {
  const t = cfg.text;
  const v = cfg.vision;
  let pText = t.vocabSize * t.hiddenSize; // LM head
  let pVis = 0;
  let pMerger = 0;
  for (const s of paramSpecs(cfg)) {
    if (s.shape.length < 2) continue;
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.name.startsWith('model.layers.')) pText += n;
    else if (s.name.startsWith('visual.merger.')) pMerger += n;
    else if (s.name.startsWith('visual.')) pVis += n;
  }
  const T = seqs.reduce((a, s) => a + s.ids.length, 0);
  const patches = seqs.reduce((a, s) => a + s.images.reduce((x, im) => x + im.grid[0] * im.grid[1] * im.grid[2], 0), 0);
  const merged = patches / (v.spatialMergeSize * v.spatialMergeSize);
  const attnText = 12 * t.numHiddenLayers * t.numAttentionHeads * t.headDim * seqs.reduce((a, s) => a + s.ids.length ** 2, 0);
  const attnVis = 12 * v.depth * v.embedDim * seqs.reduce((a, s) => a + s.images.reduce((x, im) => x + (im.grid[0] * im.grid[1] * im.grid[2]) ** 2, 0), 0);
  return { flops: 6 * pText * T + 6 * pVis * patches + 6 * pMerger * merged + attnText + attnVis, tokens: T };
}

const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
const [M, K, N] = [2048, 1024, 1024];
const pg = new GraphBuilder();
pg.output('c', pg.matmul(pg.input('a', 'float32', [M, K]), pg.input('b', 'float32', [K, N])));
const peak = await ort.InferenceSession.create(pg.toBytes(), sessionOptions({ intraOpThreads: threads }));
const peakFeeds = { a: new ort.Tensor('float32', rnd(M * K), [M, K]), b: new ort.Tensor('float32', rnd(K * N), [K, N]) };
const peakFlops = 2 * M * K * N;

const { flops, tokens } = stepFlops();
await policy.accumulate(seqs, objective, values); // warm-up: builds and compiles the training graph
policy.zeroGrad();
await peak.run(peakFeeds);
const mfus: number[] = [];
let bestStep = 0;
let bestPeak = 0;
for (let round = 0; round < rounds; round++) {
  let t0 = performance.now();
  await policy.accumulate(seqs, objective, values);
  policy.zeroGrad();
  const stepT = (performance.now() - t0) / 1000;
  let n = 0;
  let fastest = Infinity;
  t0 = performance.now();
  do {
    const t1 = performance.now();
    await peak.run(peakFeeds);
    fastest = Math.min(fastest, (performance.now() - t1) / 1000);
    n++;
  } while ((performance.now() - t0) / 1000 < stepT);
  const sr = flops / stepT;
  const pr = peakFlops / fastest;
  mfus.push(sr / pr);
  bestStep = Math.max(bestStep, sr);
  bestPeak = Math.max(bestPeak, pr);
  console.log(`train round ${round + 1}: step ${(stepT * 1000).toFixed(0)} ms = ${(sr / 1e9).toFixed(1)} GFLOP/s; fastest of ${n} MatMuls = ${(pr / 1e9).toFixed(1)} GFLOP/s; ratio ${(sr / pr).toFixed(3)}`);
}
await peak.release();

// ---------- 3. padding of variable-length rollouts in training micro-batches ----------
// the rollouts sampled above (prompt + completion, lengths as sampling made them), split as the
// trainer does (sorted by length, chunks of micro_batch) and by the bounded plan (batching.ts)
const rollSeqs: TrainSequence[] = completions.map((c) => ({ ids: [...enc.ids, ...c], promptLength: enc.ids.length, images: enc.images }));
const lengths = rollSeqs.map((x) => x.ids.length);
const plans = { sorted: sortedChunks(lengths, MICRO_BATCH), bounded: planMicroBatches(lengths, { maxSequences: MICRO_BATCH, maxWaste: MAX_WASTE }) };
const padding: Record<string, { waste: number; attn: number; runs: number; tokPerS: number }> = {};
for (const [name, plan] of Object.entries(plans)) {
  const st = paddingStats(lengths, plan);
  let best = Infinity;
  for (let round = 0; round < Math.min(rounds, 2); round++) {
    const t0 = performance.now();
    for (const b of plan) {
      const part = b.map((i) => rollSeqs[i]!);
      const n = part.map((x) => x.ids.length - x.promptLength);
      await policy.accumulate(part, objective, {
        perToken: { old_logp: n.map((k) => new Float32Array(k).fill(-6.9)), token_weight: aggregationWeights(n, 'token-mean') },
        perSeq: { advantages: Float32Array.from(b, (i) => (i % 2 ? 1 : -1)) },
      });
    }
    policy.zeroGrad();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  padding[name] = { waste: st.tokenWaste, attn: st.attentionWaste, runs: st.microBatches, tokPerS: st.tokens / best };
  console.log(`padding ${name.padEnd(8)} ${st.microBatches} micro-batches of ≤${MICRO_BATCH} over ${lengths.length} rollouts (${Math.min(...lengths)}–${Math.max(...lengths)} tokens): token waste ${(100 * st.tokenWaste).toFixed(1)}%, attention waste ${(100 * st.attentionWaste).toFixed(1)}%; ${(st.tokens / best).toFixed(0)} real tokens/s`);
}
await policy.release();

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const h = v.length >> 1;
  return v.length % 2 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
};
console.log(`threads (intra-op)          ${threads}`);
console.log(`decode                      ${N_SAMPLES} samples × ≤${NEW_TOKENS} tokens, prompt ${promptLen} tokens (${img.width}×${img.height} image); best glimpse ${bestGlimpse.toFixed(0)} tok/s (${bestUpdated.toFixed(0)} after a weight update), transformers.js ${bestTjs.toFixed(0)} tok/s`);
console.log(`train step                  ${TRAIN_BATCH} sequences, ${tokens} tokens, ${(flops / 1e9).toFixed(2)} GFLOP; best ${(bestStep / 1e9).toFixed(1)} GFLOP/s vs MatMul ${(bestPeak / 1e9).toFixed(1)} GFLOP/s`);
console.log(`median of rounds            decode ratio ${median(decodeRatios).toFixed(2)}, train MFU ${median(mfus).toFixed(3)}`);
// Headlines: best of the rounds for each side (load on a shared machine only ever slows a run down)
console.log(`RESULT policy_decode_tokens_per_s ${bestGlimpse.toFixed(1)}`);
console.log(`RESULT policy_decode_vs_transformersjs ${(bestGlimpse / bestTjs).toFixed(2)}`);
console.log(`RESULT policy_decode_after_update_vs_transformersjs ${(bestUpdated / bestTjs).toFixed(2)}`);
console.log(`RESULT policy_train_mfu ${(bestStep / bestPeak).toFixed(3)}`);
console.log(`RESULT policy_train_padding_waste_sorted ${padding.sorted!.waste.toFixed(3)}`);
console.log(`RESULT policy_train_padding_waste_bounded ${padding.bounded!.waste.toFixed(3)}`);
