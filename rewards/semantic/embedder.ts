/**
 * Text–image and image–image embeddings through @huggingface/transformers (transformers.js),
 * loaded ONLY from a local folder in Hugging Face / transformers.js layout
 * (`env.allowRemoteModels = false`; no download ever happens at run time).
 *
 * - CLIP (`model_type: "clip"`): `CLIPTextModelWithProjection` (`onnx/text_model.onnx`, output
 *   `text_embeds`) and `CLIPVisionModelWithProjection` (`onnx/vision_model.onnx`, output
 *   `image_embeds`), `AutoTokenizer`, `AutoProcessor`.
 * - SigLIP (`model_type: "siglip"`): `SiglipTextModel` / `SiglipVisionModel` (same file names,
 *   output `pooler_output`), text padded to `max_length` as SigLIP was trained.
 * - DINOv2 (`model_type: "dinov2"`): `AutoModel` (`onnx/model.onnx`), image features =
 *   `pooler_output`, else the CLS token of `last_hidden_state`. Image only.
 *
 * Every embedding is L2-normalised, so cosine similarity is a dot product (`cosine`).
 * Batched (`batchSize`), cached by content hash (an LRU in memory and, optionally, one file per
 * embedding on disk), with at most `concurrency` model runs at a time. Models are loaded once per
 * process per (folder, options) (`loadEmbedder` memoises the promise).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GlimpseError, describeError } from '../../src/util/errors.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import type { RgbImage } from '../../modalities/types.js';

/** Texts are cut to this many characters before tokenising (CLIP/SigLIP read 64–77 tokens). */
export const MAX_TEXT_CHARS = 4096;

export type EmbedderKind = 'clip' | 'siglip' | 'dinov2';

/** A loaded embedding model. Vectors are L2-normalised Float32Arrays. */
export interface Embedder {
  readonly kind: EmbedderKind;
  /** The model folder (absolute). */
  readonly dir: string;
  /** Embedding size. */
  readonly dim: number;
  /** True when the model embeds text (CLIP, SigLIP). */
  readonly hasText: boolean;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  embedImages(images: readonly RgbImage[]): Promise<Float32Array[]>;
  /** Cache counters (memory hits, disk hits, misses). */
  stats(): { memoryHits: number; diskHits: number; misses: number };
}

export interface EmbedderOptions {
  /** Items per model call (default 16). */
  batchSize?: number;
  /** Model calls in flight at once (default 1: ONNX Runtime already uses every core). */
  concurrency?: number;
  /** Entries of the in-memory LRU (default 4096; 0 disables it). */
  cacheSize?: number;
  /** Folder for an on-disk cache (one `<sha256>.f32` file per embedding); none by default. */
  cacheDir?: string;
}

/** Files each kind needs, relative to the folder. */
export const REQUIRED_FILES: Record<EmbedderKind, string[]> = {
  clip: ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx'],
  siglip: ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx'],
  dinov2: ['config.json', 'preprocessor_config.json', 'onnx/model.onnx'],
};

/** Where to get a ready export of each kind (on a machine with internet). */
export const MODEL_SOURCES: Record<EmbedderKind, string> = {
  clip: 'Xenova/clip-vit-base-patch32',
  siglip: 'Xenova/siglip-base-patch16-224',
  dinov2: 'Xenova/dinov2-small',
};

function howToGet(kind: EmbedderKind | 'clip|siglip|dinov2'): string {
  const ids = kind === 'clip|siglip|dinov2' ? Object.values(MODEL_SOURCES).join(', ') : MODEL_SOURCES[kind];
  return (
    `on a machine with internet: \`huggingface-cli download ${ids.split(', ')[0]} --local-dir <folder>\`` +
    ` (or git clone https://huggingface.co/${ids.split(', ')[0]}), copy the folder here and point the reward's \`model\` param` +
    ` or GLIMPSE_CLIP_MODEL / GLIMPSE_DINO_MODEL at it; known exports: ${ids}`
  );
}

/**
 * Checks a model folder: returns its kind (from config.json `model_type`) or throws
 * GlimpseError('not_found' | 'corrupt' | 'unsupported') naming the folder, the missing files and
 * how to obtain them.
 */
export function checkModelFolder(dir: string, expect?: EmbedderKind[]): EmbedderKind {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new GlimpseError('not_found', `embedding model folder ${abs} does not exist`, howToGet(expect?.[0] ?? 'clip|siglip|dinov2'));
  }
  const cfgPath = join(abs, 'config.json');
  if (!existsSync(cfgPath)) {
    throw new GlimpseError('not_found', `${abs}: missing config.json (not a transformers.js model folder)`, howToGet(expect?.[0] ?? 'clip|siglip|dinov2'));
  }
  let type: unknown;
  try {
    type = (JSON.parse(readFileSync(cfgPath, 'utf8')) as { model_type?: unknown }).model_type;
  } catch (e) {
    throw new GlimpseError('corrupt', `${cfgPath}: not valid JSON (${describeError(e)})`);
  }
  if (type !== 'clip' && type !== 'siglip' && type !== 'dinov2') {
    throw new GlimpseError('unsupported', `${cfgPath}: model_type ${JSON.stringify(type)} is not supported; expected clip, siglip or dinov2`);
  }
  const kind = type as EmbedderKind;
  if (expect && !expect.includes(kind)) {
    throw new GlimpseError('bad_config', `${abs} holds a ${kind} model; this use needs ${expect.join(' or ')}`, howToGet(expect[0]!));
  }
  const missing = REQUIRED_FILES[kind].filter((f) => !existsSync(join(abs, f)));
  if (missing.length > 0) {
    throw new GlimpseError('not_found', `${abs}: ${kind} model folder is missing ${missing.join(', ')}`, howToGet(kind));
  }
  return kind;
}

/** Cosine of two L2-normalised vectors (their dot product), clamped to [-1, 1]; NaN-safe (0). */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return Number.isFinite(s) ? Math.max(-1, Math.min(1, s)) : 0;
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (!(n > 0) || !Number.isFinite(n)) return new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** Same check as modalities/image/load.ts's assertRgbImage, without loading sharp. */
function assertRgbImage(img: RgbImage, what: string): void {
  if (!img || !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new GlimpseError('bad_input', `${what}: width and height must be positive integers, got ${img?.width}x${img?.height}`);
  }
  if (!(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 3) {
    throw new GlimpseError('bad_input', `${what}: data must be ${img.width}*${img.height}*3 bytes, got ${img.data?.length}`);
  }
}

function unitOrZero(v: Float32Array): boolean {
  let s = 0;
  for (const x of v) s += x * x;
  return Number.isFinite(s) && (s === 0 || Math.abs(Math.sqrt(s) - 1) < 1e-3);
}

/** A small LRU over a Map (insertion order = recency). */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    if (this.max <= 0) return;
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
}

/** A counting semaphore bounding concurrent model runs. */
class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

type Tf = typeof import('@huggingface/transformers');
type AnyModel = { (inputs: Record<string, unknown>): Promise<Record<string, { dims: number[]; data: Float32Array }>> };
type AnyFn = (...args: any[]) => any;

async function transformers(): Promise<Tf> {
  const tf = await import('@huggingface/transformers');
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  return tf;
}

/** Rows of a [B, D] (or [B, T, D] → CLS token) float tensor as normalised vectors. */
function rows(t: { dims: number[]; data: Float32Array } | undefined, what: string): Float32Array[] {
  if (!t) throw new GlimpseError('corrupt', `embedding model gave no ${what} output`);
  const dims = t.dims;
  const b = dims[0]!;
  const d = dims[dims.length - 1]!;
  const stride = dims.length === 3 ? dims[1]! * d : d;
  const out: Float32Array[] = [];
  for (let i = 0; i < b; i++) out.push(normalise(Float32Array.from(t.data.subarray(i * stride, i * stride + d))));
  return out;
}

class TransformersEmbedder implements Embedder {
  readonly hasText: boolean;
  dim = 0;
  private readonly lru: Lru<Float32Array>;
  private readonly limiter: Limiter;
  private readonly batchSize: number;
  private counts = { memoryHits: 0, diskHits: 0, misses: 0 };

  constructor(
    readonly kind: EmbedderKind,
    readonly dir: string,
    private readonly tf: Tf,
    private readonly parts: { tokenizer?: AnyFn; text?: AnyModel; processor: AnyFn; vision: AnyModel },
    private readonly opts: EmbedderOptions,
  ) {
    this.hasText = parts.text !== undefined;
    this.lru = new Lru(opts.cacheSize ?? 4096);
    this.limiter = new Limiter(Math.max(1, Math.floor(opts.concurrency ?? 1)));
    this.batchSize = Math.max(1, Math.floor(opts.batchSize ?? 16));
    if (opts.cacheDir) mkdirSync(opts.cacheDir, { recursive: true });
  }

  stats() {
    return { ...this.counts };
  }

  private key(kind: 't' | 'i', payload: (h: ReturnType<typeof createHash>) => void): string {
    const h = createHash('sha256');
    h.update(`${this.dir}\0${this.kind}\0${kind}\0`);
    payload(h);
    return h.digest('hex');
  }

  private lookup(key: string): Float32Array | undefined {
    const m = this.lru.get(key);
    if (m) {
      this.counts.memoryHits++;
      return m;
    }
    if (this.opts.cacheDir) {
      const p = join(this.opts.cacheDir, `${key}.f32`);
      if (existsSync(p)) {
        const buf = readFileSync(p);
        const v = buf.byteLength % 4 === 0 && buf.byteLength > 0 ? new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) : undefined;
        // a truncated or foreign file is a miss: entries are unit vectors (or 0) of the model's size
        if (v && (this.dim === 0 || v.length === this.dim) && unitOrZero(v)) {
          this.lru.set(key, v);
          this.counts.diskHits++;
          return v;
        }
      }
    }
    return undefined;
  }

  private async store(key: string, v: Float32Array): Promise<void> {
    this.lru.set(key, v);
    if (this.opts.cacheDir) await writeFileAtomic(join(this.opts.cacheDir, `${key}.f32`), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }

  /** Shared path: cache lookup, batched computation of the misses, store. */
  private async embed<T>(items: readonly T[], keyOf: (x: T) => string, compute: (batch: T[]) => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const keys = items.map(keyOf);
    const out: Array<Float32Array | undefined> = keys.map((k) => this.lookup(k));
    const todo = new Map<string, number[]>(); // key -> positions (duplicates computed once)
    keys.forEach((k, i) => {
      if (out[i]) return;
      const list = todo.get(k);
      if (list) list.push(i);
      else todo.set(k, [i]);
    });
    const pending = [...todo.values()];
    this.counts.misses += pending.length;
    const batches: number[][][] = [];
    for (let i = 0; i < pending.length; i += this.batchSize) batches.push(pending.slice(i, i + this.batchSize));
    await Promise.all(
      batches.map((batch) =>
        this.limiter.run(async () => {
          const vecs = await compute(batch.map((pos) => items[pos[0]!]!));
          for (let j = 0; j < batch.length; j++) {
            const v = vecs[j]!;
            this.dim = v.length;
            for (const p of batch[j]!) out[p] = v;
            await this.store(keys[batch[j]![0]!]!, v);
          }
        }),
      ),
    );
    return out as Float32Array[];
  }

  embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    const { tokenizer, text } = this.parts;
    if (!tokenizer || !text) return Promise.reject(new GlimpseError('unsupported', `${this.dir}: a ${this.kind} model has no text encoder`));
    return this.embed(
      texts.map((t) => (typeof t === 'string' ? t : String(t)).slice(0, MAX_TEXT_CHARS)),
      (t) => this.key('t', (h) => h.update(t)),
      async (batch) => {
        const inputs =
          this.kind === 'siglip'
            ? tokenizer(batch, { padding: 'max_length', truncation: true, max_length: 64 })
            : tokenizer(batch, { padding: true, truncation: true });
        const o = await text(inputs);
        return rows(this.kind === 'clip' ? o.text_embeds : o.pooler_output, 'text');
      },
    );
  }

  embedImages(images: readonly RgbImage[]): Promise<Float32Array[]> {
    try {
      images.forEach((img, i) => assertRgbImage(img, `embedImages: image ${i}`));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.embed(
      images,
      (img) => this.key('i', (h) => h.update(`${img.width}x${img.height}\0`).update(img.data)),
      async (batch) => {
        const raws = batch.map((img) => new this.tf.RawImage(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height, 3));
        const inputs = await this.parts.processor(raws);
        const o = await this.parts.vision(inputs);
        const t = this.kind === 'clip' ? o.image_embeds : (o.pooler_output ?? o.last_hidden_state);
        return rows(t, 'image');
      },
    );
  }
}

async function load(dir: string, expect: EmbedderKind[] | undefined, opts: EmbedderOptions): Promise<Embedder> {
  const kind = checkModelFolder(dir, expect);
  const abs = resolve(dir);
  const tf = await transformers();
  const o = { dtype: 'fp32' as const, local_files_only: true };
  try {
    const processor = (await tf.AutoProcessor.from_pretrained(abs, { local_files_only: true })) as unknown as AnyFn;
    if (kind === 'dinov2') {
      const vision = (await tf.AutoModel.from_pretrained(abs, o)) as unknown as AnyModel;
      return new TransformersEmbedder(kind, abs, tf, { processor, vision }, opts);
    }
    const tokenizer = (await tf.AutoTokenizer.from_pretrained(abs, { local_files_only: true })) as unknown as AnyFn;
    const [text, vision] =
      kind === 'clip'
        ? await Promise.all([tf.CLIPTextModelWithProjection.from_pretrained(abs, o), tf.CLIPVisionModelWithProjection.from_pretrained(abs, o)])
        : await Promise.all([tf.SiglipTextModel.from_pretrained(abs, o), tf.SiglipVisionModel.from_pretrained(abs, o)]);
    return new TransformersEmbedder(kind, abs, tf, { tokenizer, text: text as unknown as AnyModel, processor, vision: vision as unknown as AnyModel }, opts);
  } catch (e) {
    if (e instanceof GlimpseError) throw e;
    throw new GlimpseError('corrupt', `${abs}: could not load the ${kind} model (${describeError(e)})`, howToGet(kind), { cause: e });
  }
}

const loaded = new Map<string, Promise<Embedder>>();

/**
 * Loads (once per process) the model in `dir`. `expect` restricts the kinds accepted (e.g.
 * `['clip', 'siglip']` for text–image). Rejects with GlimpseError (not_found, corrupt,
 * unsupported, bad_config) — a failed load is not memoised, so a fixed folder loads next time.
 */
export function loadEmbedder(dir: string, opts: EmbedderOptions & { expect?: EmbedderKind[] } = {}): Promise<Embedder> {
  const { expect, ...rest } = opts;
  const key = JSON.stringify([resolve(dir), expect ?? null, rest]);
  let p = loaded.get(key);
  if (!p) {
    p = load(dir, expect, rest);
    loaded.set(key, p);
    p.catch(() => loaded.delete(key));
  }
  return p;
}

/** Environment variables naming model folders. */
export const MODEL_ENV = { text_image: 'GLIMPSE_CLIP_MODEL', image_image: 'GLIMPSE_DINO_MODEL' } as const;
