/**
 * The evaluation contracts: a model that turns requests into text (`EvalModel`), a benchmark that
 * loads items, builds requests, scores completions and aggregates metrics (`Benchmark`), and the
 * per-sample record the runner streams to `results.jsonl` (`SampleResult`).
 *
 * @example
 *   const model: EvalModel = {
 *     name: 'echo',
 *     async generate(requests) { return requests.map((r) => ({ text: r.prompt })); },
 *   };
 */
import type { Sample } from '../../data/schema.js';
import type { CoordinateMapSpec } from '../../modalities/coords.js';
import type { RgbImage } from '../../modalities/types.js';

/** An image already encoded as PNG/JPEG/WebP bytes (sent as-is, no re-encoding). */
export interface EncodedImage {
  mime: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  bytes: Uint8Array;
}

/** An image for a model: raw RGB pixels (encoded to PNG when sent) or encoded bytes. */
export type ImageInput = RgbImage | EncodedImage;

/** One generation request: the user prompt and its images, in order. */
export interface EvalRequest {
  /** The benchmark item's id (predictions files are keyed by it). */
  id: string;
  prompt: string;
  images?: ImageInput[];
  /** Optional system message. */
  system?: string;
  /**
   * The ground-truth answer written in the benchmark's answer format, in the model's coordinate
   * space. Filled only for the `oracle` model (a pipeline sanity check); real models ignore it.
   */
  reference?: string;
}

/** Decoding settings. `temperature: 0` is greedy decoding. */
export interface SamplingParams {
  temperature: number;
  topP?: number;
  /** Longest completion, in tokens. */
  maxTokens: number;
  seed?: number;
}

/** A model's answer to one request: `text`, or `error` when the request failed for good. */
export interface Generation {
  text: string;
  /** Set when no completion was obtained (the sample is not scored and is retried on a re-run). */
  error?: string;
  /** Coordinate map of the answer space, when the model (e.g. a predictions file) provides one. */
  coords?: CoordinateMapSpec;
}

export interface GenerateOptions {
  /** Called as each request finishes (in completion order), for streaming results. */
  onResult?: (index: number, generation: Generation) => void | Promise<void>;
  signal?: AbortSignal;
}

/**
 * Anything that writes text for prompts with images: an OpenAI-compatible endpoint, a file of
 * pre-computed predictions, the oracle, and (with the policy engine) glimpse's own policies, which
 * implement this same interface. `generate` resolves one Generation per request, in request order;
 * it rejects only on errors that make the whole run pointless (bad credentials, unknown model).
 */
export interface EvalModel {
  /** Shown in reports, e.g. `openai:http://127.0.0.1:8000/v1#Qwen2.5-VL-7B`. */
  readonly name: string;
  /** `oracle` models receive `EvalRequest.reference`; `media: false` models skip image loading. */
  readonly needs?: { media?: boolean; reference?: boolean };
  generate(requests: EvalRequest[], sampling: SamplingParams, options?: GenerateOptions): Promise<Generation[]>;
  close?(): Promise<void>;
}

/** Why a completion earned no credit beyond being wrong. */
export type FailureKind = 'empty' | 'unparseable';

/** One benchmark item: the Sample (ground truth in original units) and its breakdown groups. */
export interface EvalItem {
  id: string;
  sample: Sample;
  /** Breakdown keys, e.g. `{ split: 'testA' }`, `{ type: 'unique' }`, `{ category: 'OCR' }`. */
  groups: Record<string, string>;
  /** Encoded images for the model and the rendered examples (embedded parquet bytes or files). */
  loadImages?: () => Promise<EncodedImage[]>;
}

/** What `Benchmark.load` returns: how many items there will be, and the items, streamed. */
export interface LoadedBenchmark {
  /** Number of items (after `limit`), for the progress bar. */
  total: number;
  items: AsyncIterable<EvalItem>;
  /** Human-readable notes about the data (skipped lines, inferred settings). */
  notes: string[];
}

/** Options shared by every benchmark. */
export interface BenchmarkOptions {
  /** Annotation file (or folder of parquet shards). */
  data: string;
  /** Media folder (images, videos, scenes), where the format keeps media outside the annotations. */
  media?: string;
  limit?: number;
  /** Prompt template override; `{name}` placeholders are filled per item. */
  template?: string;
  /** The space the model answers coordinates in (`pixel` of what it was sent, `norm1000`, `norm1`). */
  coords?: 'pixel' | 'norm1000' | 'norm1';
  /** Resize images before sending (Qwen2-VL smart resize bounds, pixels); 0 = send as stored. */
  maxPixels?: number;
  minPixels?: number;
  /** Frames sampled per video. */
  frames?: number;
  /** Set by the runner: the model needs media, so a missing `--media` is an error at load time. */
  needMedia?: boolean;
  /** Extra benchmark-specific settings (e.g. `pipeline` for synthetic tasks). */
  extra?: Record<string, unknown>;
}

/** The request built for an item, with what scoring needs to read the answer. */
export interface PreparedItem {
  request: EvalRequest;
  /** Map from the model's answer space to original units (images; for videos: the frames). */
  coords?: CoordinateMapSpec;
  /** JSON-serialisable facts scoring needs (frame times, option letters, ...). */
  context?: Record<string, unknown>;
}

/** The score of one completion. `values` holds per-sample metric inputs (`iou`, `tIoU`, ...). */
export interface SampleScore {
  values: Record<string, number>;
  failure?: FailureKind;
  /** Parser's reason for `failure`, or other notes. */
  reason?: string;
  /** The parsed prediction in original units (for reports and rendered examples). */
  pred?: Record<string, unknown>;
}

/** One line of `results.jsonl`. */
export interface SampleResult extends SampleScore {
  id: string;
  groups: Record<string, string>;
  completion: string;
  coords?: CoordinateMapSpec;
  context?: Record<string, unknown>;
}

/** A metric value; `'unavailable'` when the machinery to compute it has not landed (e.g. CLIP). */
export type MetricValue = number | 'unavailable';

/** A benchmark: one file in `src/eval/benchmarks/`, registered by name. */
export interface Benchmark {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description: string;
  /** Paper/dataset citation. */
  readonly paper?: string;
  /** The data layouts accepted by `load`, for help texts and errors. */
  readonly formats: readonly string[];
  /** Metric keys as published, in table order; `metrics.json` uses exactly these keys. */
  readonly metrics: readonly string[];
  /** Metrics that are shares/means in [0, 1], shown ×100 in reports. */
  readonly percentMetrics?: readonly string[];
  /** The default prompt template, with `{name}` placeholders. */
  readonly template: string;
  load(options: BenchmarkOptions): Promise<LoadedBenchmark>;
  /** Builds the request. `withMedia: false` skips decoding/encoding media (predictions mode). */
  prepare(item: EvalItem, options: BenchmarkOptions, withMedia: boolean): Promise<PreparedItem>;
  /** The ground truth written as a perfect completion (the `oracle` model). */
  oracle(item: EvalItem, prepared: PreparedItem): string;
  /** Scores one completion; never throws on model output. May be async (model-based metrics). */
  score(item: EvalItem, completion: string, prepared: PreparedItem): SampleScore | Promise<SampleScore>;
  /** Aggregates per-sample results into the published metrics. */
  aggregate(results: readonly SampleResult[]): Record<string, MetricValue>;
  /** Releases what the benchmark started (render pools, model sessions); called once at the end. */
  close?(): Promise<void>;
  /** Draws an example (prediction and truth) as a PNG; undefined when the benchmark has no picture. */
  renderExample?(item: EvalItem, result: SampleResult): Promise<Uint8Array | undefined>;
}
