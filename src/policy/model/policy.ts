/**
 * QwenVLPolicy: a Qwen2-VL-architecture policy that samples with a KV cache and trains through
 * one graph run per micro-batch (forward → per-token logprobs → objective → gradients).
 *
 * @example
 *   const policy = await QwenVLPolicy.fromPreset('glimpse-tiny', { seed: 0 });
 *   const [r] = await policy.generate([{ text: 'Find the red square.', images: [img] }], { n: 1, maxNewTokens: 32 });
 *   const { loss } = await policy.accumulate([{ ids, promptLength, images }], objective, { perSeq: { advantages } });
 *   policy.applyGradients(stepper);
 */
import * as ort from 'onnxruntime-node';
import type { RgbImage } from '../../../modalities/types.js';
import { createCoordinateMap, type CoordinateMap } from '../../../modalities/coords.js';
import { resizeImage } from '../../../modalities/image/resize.js';
import { resolveProcessorConfig, toPixelValues, type ResolvedVisionProcessorConfig, type VisionProcessorConfig } from '../../../modalities/image/tensor.js';
import { GlimpseError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { createSession, type ExecutionProvider } from '../runner.js';
import { sampleToken } from '../sampling.js';
import type { HfTokenizer } from '../tokenizer/load.js';
import type { PolicyPrompt, Rollout, SamplingParams } from '../types.js';
import type { QwenVLConfig } from './config.js';
import { buildCachedDecodeGraph, buildTrainGraph, buildVisionGraph, type Objective } from './graphs.js';
import { imageTokenCount, paramFeeds, trainFeeds, visionFeeds, type Feeds, type ImagePatches, type TrainSequence } from './feeds.js';
import { paramSpecs, type ParamMap } from './params.js';
import { initLora, loraShapes, mergeLoraParams, readAdapter, resolveLora, type LoraOptions, type LoraSpec } from './lora.js';
import { getRopeIndex, ropeOptionsFromConfig } from './rope-index.js';
import { mropeTables } from './rope.js';
import { KvCache, prefillMask } from './kv-cache.js';

export interface PolicyRuntimeOptions {
  provider?: ExecutionProvider;
  /** Threads inside one op (default: all cores). */
  threads?: number;
  /** System prompt of the chat template; null = none. */
  systemPrompt?: string | null;
}

/** A prompt turned into model inputs. */
export interface EncodedPrompt {
  ids: number[];
  images: ImagePatches[];
  /** Per image: original pixels -> model-input pixels. */
  maps: CoordinateMap[];
}

/** Per-token and per-sequence values an objective takes, by input name. */
export interface ObjectiveFeeds {
  /** Per sequence: one value per COMPLETION token (placed at the positions predicting them). */
  perToken?: Record<string, Float32Array[]>;
  /** One value per sequence, fed as `[batch]`. */
  perSeq?: Record<string, Float32Array>;
  /** Scalars, fed as `[]`. */
  scalars?: Record<string, number>;
}

export interface AccumulateResult {
  loss: number;
  metrics: Record<string, number>;
  /** Per sequence: logprobs of its completion tokens. */
  logp: Float32Array[];
  /** Per sequence: mean entropy over its completion tokens. */
  entropy: number[];
  tokens: number;
}

/** An objective that only reads logprobs (forward-only runs). */
const LOGP_ONLY: Objective = { key: 'logp-only', build: (g, t) => ({ loss: g.reduceSum(g.mul(t.logp, t.mask), undefined, false) }) };

export class QwenVLPolicy {
  readonly name: string;
  readonly cfg: QwenVLConfig;
  readonly params: ParamMap;
  readonly tokenizer: HfTokenizer;
  readonly processor: ResolvedVisionProcessorConfig;
  readonly shapes: Map<string, number[]>;
  /** Names of the parameters that receive gradients. */
  trainable: Set<string>;
  /** Folder holding the tokenizer files (copied by savePolicy). */
  tokenizerDir?: string;
  /** Accumulated gradients of the trainable parameters. */
  readonly grads = new Map<string, Float32Array>();
  private readonly runtime: Required<Omit<PolicyRuntimeOptions, 'threads'>> & { threads?: number };
  private visionSession?: Promise<ort.InferenceSession>;
  /** The sampling session with the weights it was built from (see {@link acquireDecode}). */
  private decodeBaked?: BakedSession;
  private readonly trainSessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly stopIds: Set<number>;
  private loraSpec?: LoraSpec;
  private trainableBeforeLora?: Set<string>;

  constructor(name: string, cfg: QwenVLConfig, params: ParamMap, tokenizer: HfTokenizer, processor: VisionProcessorConfig | undefined, runtime: PolicyRuntimeOptions = {}) {
    this.name = name;
    this.cfg = cfg;
    this.params = params;
    this.tokenizer = tokenizer;
    this.processor = resolveProcessorConfig({ patch_size: cfg.vision.patchSize, merge_size: cfg.vision.spatialMergeSize, temporal_patch_size: cfg.vision.temporalPatchSize, ...processor });
    this.shapes = new Map(paramSpecs(cfg).map((s) => [s.name, s.shape]));
    this.trainable = new Set(this.shapes.keys());
    this.runtime = { provider: runtime.provider ?? 'cpu', systemPrompt: runtime.systemPrompt ?? null, ...(runtime.threads ? { threads: runtime.threads } : {}) };
    this.stopIds = new Set(cfg.tokens.eosTokenIds);
    for (const t of ['<|im_end|>', '<|endoftext|>']) {
      const id = this.specialId(t);
      if (id !== undefined) this.stopIds.add(id);
    }
  }

  private specialId(token: string): number | undefined {
    const ids = this.tokenizer.encode(token, { add_special_tokens: false }) as number[];
    return ids.length === 1 ? ids[0] : undefined;
  }

  private sessionOptions() {
    return { provider: this.runtime.provider, ...(this.runtime.threads ? { intraOpThreads: this.runtime.threads } : {}) };
  }

  private visionSessionFor(): Promise<ort.InferenceSession> {
    const go = this.loraSpec ? { lora: this.loraSpec } : {};
    return (this.visionSession ??= createSession(buildVisionGraph(this.cfg, go), this.sessionOptions()));
  }

  /**
   * The sampling session (cached decode graph) with the current decoder weights BAKED IN as
   * initializers (adapters merged), so ONNX Runtime pre-packs the projections once instead of
   * re-reading them as inputs at every step. Rebuilt only when the decoder weights or adapters
   * differ bit for bit from the ones it was built from (a memcmp per call, ~1 ms for glimpse-tiny).
   * Synchronous, and the returned session is already held (`users` + 1; give it back with
   * {@link releaseDecode}), so a concurrent call that replaces it cannot release it under us.
   */
  private acquireDecode(): BakedSession {
    // compared as stored (base weights and adapters), merged only when a rebuild is due
    const lora = this.loraSpec ? { ...this.loraSpec, modules: this.loraSpec.modules.filter((m) => !m.vision) } : undefined;
    const current = new Map<string, Float32Array>();
    for (const s of paramSpecs(this.cfg)) if (!s.vision) current.set(s.name, this.params.get(s.name)!);
    for (const k of lora ? loraShapes(lora).keys() : []) current.set(k, this.params.get(k)!);
    const prev = this.decodeBaked;
    if (prev && sameWeights(prev.weights, current)) {
      prev.users++;
      return prev;
    }
    const snapshot = new Map([...current].map(([k, v]) => [k, v.slice()]));
    const weights = lora ? mergeLoraParams(snapshot, lora) : snapshot;
    // no spin-waiting: a step is ~180 small kernels, and spinning threads starve each other (and
    // everything else) wherever the cores are shared
    const baked: BakedSession = { weights: snapshot, session: createSession(buildCachedDecodeGraph(this.cfg, { weights }), { ...this.sessionOptions(), spinning: false }), users: 1, stale: false };
    baked.session.catch(() => {
      if (this.decodeBaked === baked) this.decodeBaked = undefined; // a failed build is not cached
    });
    this.decodeBaked = baked;
    if (prev) retire(prev);
    return baked;
  }

  private releaseDecode(b: BakedSession): void {
    b.users--;
    if (b.stale) retire(b);
  }

  private encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }) as number[];
  }

  /** Token ids of a completion as the model should write it: the text, then `<|im_end|>`. */
  encodeCompletion(text: string): number[] {
    const end = this.specialId('<|im_end|>');
    return [...this.encode(text), ...(end !== undefined ? [end] : [])];
  }

  /** Decodes completion tokens (special tokens kept, except a final EOS). */
  decode(tokens: readonly number[]): string {
    const body = tokens.length && this.stopIds.has(tokens[tokens.length - 1]!) ? tokens.slice(0, -1) : tokens;
    if (body.length === 0) return '';
    return this.tokenizer.decode(body as number[], { skip_special_tokens: false }) as string;
  }

  /**
   * Chat template (Qwen2-VL): `<|im_start|>user\n<|vision_start|><|image_pad|>…<|vision_end|>TEXT<|im_end|>\n<|im_start|>assistant\n`,
   * preceded by a system turn when configured. Images are smart-resized for the vision tower.
   */
  async encodePrompt(prompt: PolicyPrompt): Promise<EncodedPrompt> {
    const tok = this.cfg.tokens;
    const imStart = this.specialId('<|im_start|>');
    const imEnd = this.specialId('<|im_end|>');
    if (imStart === undefined || imEnd === undefined) throw new GlimpseError('bad_config', `${this.name}: the tokenizer has no <|im_start|>/<|im_end|> tokens`);
    const ids: number[] = [];
    if (this.runtime.systemPrompt !== null) ids.push(imStart, ...this.encode(`system\n${this.runtime.systemPrompt}`), imEnd, ...this.encode('\n'));
    ids.push(imStart, ...this.encode('user\n'));
    const images: ImagePatches[] = [];
    const maps: CoordinateMap[] = [];
    for (const img of prompt.images ?? []) {
      const p = this.processor;
      const factor = p.patch_size * p.merge_size;
      const { image } = await resizeImage(img, { mode: 'smart', factor, minPixels: p.min_pixels, maxPixels: p.max_pixels });
      const pv = toPixelValues(image, p);
      images.push({ pixelValues: pv.data, grid: pv.gridThw });
      maps.push(createCoordinateMap({ original: [img.width, img.height], input: [image.width, image.height], space: 'pixel' }));
      ids.push(tok.visionStartTokenId, ...new Array<number>(imageTokenCount(this.cfg, pv.gridThw)).fill(tok.imageTokenId), tok.visionEndTokenId);
    }
    ids.push(...this.encode(prompt.text), imEnd, ...this.encode('\n'), imStart, ...this.encode('assistant\n'));
    return { ids, images, maps };
  }

  private embed(ids: readonly number[], feats: Float32Array | undefined, into: Float32Array, at: number): void {
    const D = this.cfg.text.hiddenSize;
    const emb = this.params.get('model.embed_tokens.weight')!;
    let k = 0;
    for (let i = 0; i < ids.length; i++) {
      const t = ids[i]!;
      if (t === this.cfg.tokens.imageTokenId && feats) into.set(feats.subarray(k * D, ++k * D), at + i * D);
      else {
        if (t < 0 || t >= this.cfg.text.vocabSize) throw new GlimpseError('bad_input', `token id ${t} is outside the vocabulary (${this.cfg.text.vocabSize})`);
        into.set(emb.subarray(t * D, (t + 1) * D), at + i * D);
      }
    }
  }

  /** Samples `n` completions per prompt with the KV-cache decode graph. */
  async generate(prompts: readonly PolicyPrompt[], sampling: SamplingParams = {}): Promise<Rollout[]> {
    const encoded = [];
    for (const p of prompts) encoded.push(await this.encodePrompt(p));
    return this.generateEncoded(encoded, sampling);
  }

  /** {@link generate} on prompts already encoded (the trainer keeps their coordinate maps). */
  async generateEncoded(prompts: readonly EncodedPrompt[], sampling: SamplingParams = {}): Promise<Rollout[]> {
    const n = sampling.n ?? 1;
    const maxNew = sampling.maxNewTokens ?? 128;
    const temperature = sampling.temperature ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 4096) throw new GlimpseError('bad_argument', `generate: n must be an integer from 1 to 4096, got ${n}`);
    if (!Number.isInteger(maxNew) || maxNew < 1) throw new GlimpseError('bad_argument', `generate: maxNewTokens must be a positive integer, got ${maxNew}`);
    if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new GlimpseError('bad_argument', `generate: temperature must be ≥ 0, got ${temperature}`);
    const baked = this.acquireDecode();
    try {
      return await this.sample(prompts, await baked.session, sampling);
    } finally {
      this.releaseDecode(baked);
    }
  }

  private async sample(prompts: readonly EncodedPrompt[], decode: ort.InferenceSession, sampling: SamplingParams): Promise<Rollout[]> {
    const n = sampling.n ?? 1;
    const maxNew = sampling.maxNewTokens ?? 128;
    const opts = { temperature: sampling.temperature ?? 1, topK: sampling.topK ?? 0, topP: sampling.topP ?? 1 };
    const rng = new Rng(sampling.seed ?? 0);
    const cfg = this.cfg;
    const D = cfg.text.hiddenSize;
    const hd = cfg.text.headDim;
    const KV = cfg.text.numKeyValueHeads;
    const L = cfg.text.numHiddenLayers;
    const V = cfg.text.vocabSize;
    const out: Rollout[] = [];
    for (const [pi, prompt] of prompts.entries()) {
      let feats: Float32Array | undefined;
      if (prompt.images.length) {
        const vs = await this.visionSessionFor();
        const r = await vs.run({ ...visionFeeds(cfg, prompt.images), ...paramFeeds(this.params, this.shapes, vs.inputNames) });
        feats = r.image_features!.data as Float32Array;
      }
      const P = prompt.ids.length;
      const rope = getRopeIndex({ inputIds: [prompt.ids], imageGridThw: prompt.images.map((i) => i.grid) }, ropeOptionsFromConfig(cfg));
      // the KV cache: per layer and kind one buffer [n, KV, cap, hd] written in place; the last
      // sampled token is never fed, so P + maxNew - 1 slots suffice (allocated as far as needed)
      const limit = P + maxNew - 1;
      const cache = new KvCache(L, n, KV, Math.min(limit, P + 512), hd, limit);
      // prefill (batch 1) against a one-slot dummy cache that is masked out
      const embeds = new Float32Array(P * D);
      this.embed(prompt.ids, feats, embeds, 0);
      const pre = mropeTables(cfg, rope.positionIds, 1, P);
      const feeds: Feeds = {
        inputs_embeds: new ort.Tensor('float32', embeds, [1, P, D]),
        cos: new ort.Tensor('float32', pre.cos, [1, P, hd]),
        sin: new ort.Tensor('float32', pre.sin, [1, P, hd]),
        attn_mask: new ort.Tensor('float32', prefillMask(P), [1, 1, 1, P, 1 + P]),
      };
      const dummy = new ort.Tensor('float32', new Float32Array(KV * hd), [1, KV, 1, hd]);
      for (let i = 0; i < L; i++) {
        feeds[`cache_key.${i}`] = dummy;
        feeds[`cache_value.${i}`] = dummy;
      }
      let r = await decode.run(feeds);
      cache.append(r); // the prompt's keys/values, replicated for the n samples
      // step inputs: buffers reused and updated in place
      const e = new Float32Array(n * D);
      const posIds = new Int32Array(3 * n);
      const inputsEmbeds = new ort.Tensor('float32', e, [n, 1, D]);
      const tokens: number[][] = Array.from({ length: n }, () => []);
      const logprobs: number[][] = Array.from({ length: n }, () => []);
      const finish: (Rollout['finish'] | undefined)[] = new Array(n).fill(undefined);
      let logits = r.logits!.data as Float32Array; // [1, V] first, then [n, V]
      const next: number[] = new Array<number>(n).fill(0);
      const scratch = new Float64Array(V);
      for (let step = 0; step < maxNew; step++) {
        for (let s = 0; s < n; s++) {
          if (finish[s]) {
            next[s] = tokens[s]![tokens[s]!.length - 1] ?? 0;
            continue;
          }
          const row = logits.length === V ? logits : logits.subarray(s * V, (s + 1) * V);
          const { token, logprob } = sampleToken(row, opts, rng, scratch);
          tokens[s]!.push(token);
          logprobs[s]!.push(logprob);
          next[s] = token;
          if (this.stopIds.has(token)) finish[s] = 'eos';
          else if (sampling.stop?.length) {
            const text = this.decode(tokens[s]!);
            if (sampling.stop.some((st) => st && text.endsWith(st))) finish[s] = 'stop';
          }
          if (!finish[s] && tokens[s]!.length >= maxNew) finish[s] = 'length';
        }
        if (finish.every(Boolean)) break;
        posIds.fill(P + rope.deltas[0]! + step);
        const tab = mropeTables(cfg, posIds, n, 1);
        this.embed(next, undefined, e, 0);
        r = await decode.run({
          inputs_embeds: inputsEmbeds,
          cos: new ort.Tensor('float32', tab.cos, [n, 1, hd]),
          sin: new ort.Tensor('float32', tab.sin, [n, 1, hd]),
          ...cache.feeds(),
        });
        cache.append(r);
        logits = r.logits!.data as Float32Array;
      }
      for (let s = 0; s < n; s++) {
        out.push({ prompt: pi, text: this.decode(tokens[s]!), tokens: tokens[s]!, logprobs: Float32Array.from(logprobs[s]!), finish: finish[s] ?? 'length' });
      }
    }
    return out;
  }

  private trainSession(objective: Objective, images: boolean): Promise<ort.InferenceSession> {
    const names = [...this.trainable].sort();
    const lora = this.loraSpec;
    const key = `${objective.key}|${images ? 'img' : 'txt'}|${lora ? `lora${lora.rank}/${lora.modules.length}` : 'base'}|${names.length}:${names.join(',')}`;
    let s = this.trainSessions.get(key);
    if (!s) {
      const opts = { provider: this.runtime.provider, ...(this.runtime.threads ? { intraOpThreads: this.runtime.threads } : {}) };
      s = createSession(buildTrainGraph(this.cfg, { trainable: this.trainable, objective, images, ...(lora ? { lora } : {}) }), opts);
      this.trainSessions.set(key, s);
    }
    return s;
  }

  /**
   * One forward + objective + backward run over `seqs`; gradients are ADDED to {@link grads}.
   * `temperature` scales the logits as in sampling, so `logp` matches the rollouts' logprobs.
   */
  async accumulate(seqs: readonly TrainSequence[], objective: Objective, values: ObjectiveFeeds = {}, temperature = 1): Promise<AccumulateResult> {
    const tf = trainFeeds(this.cfg, seqs, 1 / (temperature > 0 ? temperature : 1));
    const { batch: B, seq: S } = tf;
    const feeds: Feeds = { ...tf.feeds };
    for (const [name, rows] of Object.entries(values.perToken ?? {})) {
      if (rows.length !== B) throw new GlimpseError('bad_input', `accumulate: ${name} has ${rows.length} rows for ${B} sequences`);
      const a = new Float32Array(B * S);
      rows.forEach((row, b) => {
        const s = seqs[b]!;
        const n = s.ids.length - s.promptLength;
        if (row.length !== n) throw new GlimpseError('bad_input', `accumulate: ${name} row ${b} has ${row.length} values for ${n} completion tokens`);
        a.set(row, b * S + s.promptLength - 1);
      });
      feeds[name] = new ort.Tensor('float32', a, [B, S]);
    }
    for (const [name, v] of Object.entries(values.perSeq ?? {})) {
      if (v.length !== B) throw new GlimpseError('bad_input', `accumulate: ${name} has ${v.length} values for ${B} sequences`);
      feeds[name] = new ort.Tensor('float32', Float32Array.from(v), [B]);
    }
    for (const [name, v] of Object.entries(values.scalars ?? {})) feeds[name] = new ort.Tensor('float32', Float32Array.of(v), []);
    const session = await this.trainSession(objective, tf.hasImages);
    const r = await session.run({ ...feeds, ...paramFeeds(this.params, this.shapes, session.inputNames) });
    for (const name of session.outputNames) {
      if (!name.startsWith('grad.')) continue;
      const p = name.slice(5);
      const g = r[name]!.data as Float32Array;
      const acc = this.grads.get(p);
      if (!acc) this.grads.set(p, Float32Array.from(g));
      else for (let i = 0; i < g.length; i++) acc[i] = acc[i]! + g[i]!;
    }
    const logpAll = r.logp!.data as Float32Array;
    const entAll = r.entropy!.data as Float32Array;
    const logp: Float32Array[] = [];
    const entropy: number[] = [];
    let tokens = 0;
    seqs.forEach((s, b) => {
      const n = s.ids.length - s.promptLength;
      const start = b * S + s.promptLength - 1;
      logp.push(logpAll.slice(start, start + n));
      let e = 0;
      for (let j = 0; j < n; j++) e += entAll[start + j]!;
      entropy.push(n ? e / n : 0);
      tokens += n;
    });
    const metrics: Record<string, number> = {};
    for (const name of session.outputNames) if (name.startsWith('metric.')) metrics[name.slice(7)] = (r[name]!.data as Float32Array)[0]!;
    return { loss: (r.loss!.data as Float32Array)[0]!, metrics, logp, entropy, tokens };
  }

  /** The LoRA setup when adapters are enabled ({@link enableLora}), else undefined. */
  get lora(): LoraSpec | undefined {
    return this.loraSpec;
  }

  /**
   * Adds LoRA adapters (lora.ts) to the modules matching `o.targets` (default: the decoder's
   * q/k/v/o/gate/up/down projections; the vision tower only with `trainVision`). Afterwards only
   * the adapters are trainable, and every graph (sampling included) computes the adapted model.
   * B starts at zero, so the adapted policy starts equal to the base.
   */
  enableLora(o: LoraOptions = {}): LoraSpec {
    const spec = resolveLora(this.cfg, o);
    this.installLora(spec, initLora(spec, o.seed ?? 0));
    return spec;
  }

  /** Loads a PEFT LoRA adapter folder (`adapter_config.json` + `adapter_model.safetensors`) onto this policy, as {@link enableLora} with those adapters. */
  loadAdapter(dir: string): LoraSpec {
    const { spec, params } = readAdapter(this.cfg, dir);
    this.installLora(spec, params);
    return spec;
  }

  private installLora(spec: LoraSpec, adapters: ParamMap): void {
    if (this.loraSpec) throw new GlimpseError('bad_argument', `${this.name}: LoRA is already enabled (merge it with mergeLora() first)`);
    for (const [k, v] of adapters) this.params.set(k, v);
    for (const [k, v] of loraShapes(spec)) this.shapes.set(k, v);
    this.loraSpec = spec;
    this.trainableBeforeLora = this.trainable;
    this.trainable = new Set(loraShapes(spec).keys());
    this.grads.clear();
    void this.release(); // graphs are rebuilt with the adapter inputs
  }

  /** The adapter tensors (live arrays) by PEFT name; empty when LoRA is off. */
  adapterParams(): ParamMap {
    const out: ParamMap = new Map();
    for (const k of this.loraSpec ? loraShapes(this.loraSpec).keys() : []) out.set(k, this.params.get(k)!);
    return out;
  }

  /** The base parameters with the adapters folded in (new arrays only for adapted weights); the parameters themselves when LoRA is off. */
  mergedParams(): ParamMap {
    return this.loraSpec ? mergeLoraParams(this.params, this.loraSpec) : this.params;
  }

  /**
   * Folds the adapters into the base weights (`W ← W + (α/r)·B·A`) and removes them: the policy
   * becomes a plain model computing the same function, trainable as before LoRA was enabled.
   */
  mergeLora(): void {
    const spec = this.loraSpec;
    if (!spec) return;
    const merged = mergeLoraParams(this.params, spec);
    for (const k of loraShapes(spec).keys()) {
      this.params.delete(k);
      this.shapes.delete(k);
      this.grads.delete(k);
    }
    for (const m of spec.modules) this.params.set(`${m.name}.weight`, merged.get(`${m.name}.weight`)!);
    this.loraSpec = undefined;
    this.trainable = this.trainableBeforeLora ?? new Set(paramSpecs(this.cfg).map((s) => s.name));
    this.trainableBeforeLora = undefined;
    void this.release();
  }

  /** A copy with its own parameter arrays and nothing trainable (a reference policy for KL); adapters are merged into it. */
  frozenCopy(): QwenVLPolicy {
    const params: ParamMap = new Map([...this.mergedParams()].map(([k, v]) => [k, Float32Array.from(v)]));
    const copy = new QwenVLPolicy(`${this.name} (reference)`, this.cfg, params, this.tokenizer, this.processor, this.runtime);
    copy.trainable = new Set();
    return copy;
  }

  /** Per-sequence logprobs of the completion tokens (forward only, in micro-batches). */
  async logprobs(seqs: readonly TrainSequence[], temperature = 1, microBatch = 16): Promise<Float32Array[]> {
    const saved = this.trainable;
    this.trainable = new Set();
    try {
      const out: Float32Array[] = [];
      for (let b = 0; b < seqs.length; b += microBatch) out.push(...(await this.accumulate(seqs.slice(b, b + microBatch), LOGP_ONLY, {}, temperature)).logp);
      return out;
    } finally {
      this.trainable = saved;
    }
  }

  /** Drops accumulated gradients. */
  zeroGrad(): void {
    this.grads.clear();
  }

  /** The accumulated gradients for every trainable parameter (zeros where none accumulated). */
  gradients(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const n of this.trainable) out.set(n, this.grads.get(n) ?? new Float32Array(this.params.get(n)!.length));
    return out;
  }

  /** The trainable parameters (live arrays, updated in place by the optimiser). */
  trainableParams(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const n of this.trainable) out.set(n, this.params.get(n)!);
    return out;
  }

  async release(): Promise<void> {
    const all = [this.visionSession, ...this.trainSessions.values()].filter(Boolean) as Promise<ort.InferenceSession>[];
    if (this.decodeBaked) retire(this.decodeBaked);
    this.visionSession = undefined;
    this.decodeBaked = undefined;
    this.trainSessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
  }
}

/** A decode session built with some weights baked in, and how many `generate` calls use it. */
interface BakedSession {
  weights: Map<string, Float32Array>;
  session: Promise<ort.InferenceSession>;
  users: number;
  /** Replaced by a newer session: released once no call uses it. */
  stale: boolean;
}

/** Marks a baked session as replaced, releasing it now if no call uses it. */
function retire(b: BakedSession): void {
  b.stale = true;
  if (b.users !== 0) return; // in use (or already released: -1)
  b.users = -1;
  b.session.then((s) => s.release()).catch(() => undefined);
}

/** Bit-exact equality of two weight maps (same names, same float bits). */
function sameWeights(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || y.length !== x.length) return false;
    if (x === y) continue;
    if (!Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))) return false; // memcmp
  }
  return true;
}

/** Images of prompts as RGB, for callers holding encoded files. */
export type { RgbImage };
