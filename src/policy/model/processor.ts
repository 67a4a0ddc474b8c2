/**
 * The Qwen2-VL processor: `preprocessor_config.json` + tokenizer -> model inputs, as transformers'
 * `Qwen2VLProcessor` / `Qwen2VLImageProcessor` do it.
 *
 * Images: smart resize to multiples of patch_size × merge_size within [min_pixels, max_pixels]
 * (modalities/image/resize.ts `smartResize`), rescale (× 1/255), normalise with image_mean/std,
 * repeat to temporal_patch_size frames and patchify into `pixel_values`
 * [Σ t·h·w, C·T·P·P] with `image_grid_thw` [t, h, w] per image (modalities/image/tensor.ts does
 * the pixel work; images of any sizes are concatenated along the patch axis).
 *
 * Text: every `<|image_pad|>` (`<|video_pad|>`) of the prompt is repeated t·h·w / merge_size²
 * times, once per merged patch the vision tower will produce for that image, in order. A prompt
 * whose placeholders do not match the images is a `GlimpseError('bad_input')` (rather than a
 * silent shape error deep in the model).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { RgbImage } from '../../../modalities/types.js';
import { preprocessImage, resolveProcessorConfig, toPixelValues, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, type ResolvedVisionProcessorConfig, type VisionProcessorConfig } from '../../../modalities/image/tensor.js';
import { resizeImage } from '../../../modalities/image/resize.js';
import type { QwenVLConfig } from './config.js';
import { loadTokenizer, type HfTokenizer } from '../tokenizer/load.js';

export type { ResolvedVisionProcessorConfig as PreprocessorConfig };

/** File name of the image processor config in a Hugging Face model folder. */
export const PREPROCESSOR_FILE = 'preprocessor_config.json';

/**
 * Normalises a parsed `preprocessor_config.json`: accepts `min_pixels` / `max_pixels` or the newer
 * `size: {shortest_edge, longest_edge}` spelling; unknown keys are ignored. `source` names the
 * file in `GlimpseError('bad_config')`.
 */
export function parsePreprocessorConfig(json: unknown, source = PREPROCESSOR_FILE): ResolvedVisionProcessorConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new GlimpseError('bad_config', `${source}: not a JSON object`);
  const j = { ...(json as Record<string, unknown>) };
  const size = j.size as { shortest_edge?: unknown; longest_edge?: unknown } | undefined;
  if (j.min_pixels === undefined && size && typeof size === 'object' && size.shortest_edge !== undefined) j.min_pixels = size.shortest_edge;
  if (j.max_pixels === undefined && size && typeof size === 'object' && size.longest_edge !== undefined) j.max_pixels = size.longest_edge;
  for (const flag of ['do_rescale', 'do_normalize', 'do_resize'] as const) {
    if (j[flag] === false) throw new GlimpseError('unsupported', `${source}: ${flag} = false is not supported (Qwen2-VL always resizes, rescales and normalises)`);
  }
  let cfg: ResolvedVisionProcessorConfig;
  try {
    cfg = resolveProcessorConfig(j as VisionProcessorConfig);
  } catch (e) {
    throw new GlimpseError('bad_config', `${source}: ${(e as Error).message}`);
  }
  if (cfg.min_pixels > cfg.max_pixels) throw new GlimpseError('bad_config', `${source}: min_pixels ${cfg.min_pixels} exceeds max_pixels ${cfg.max_pixels}`);
  return cfg;
}

/** Reads `preprocessor_config.json` from a model folder (or the file itself). */
export function readPreprocessorConfig(path: string): ResolvedVisionProcessorConfig {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, PREPROCESSOR_FILE) : path;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'io', `${file}: cannot read the image processor config (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GlimpseError('corrupt', `${file}: not valid JSON (${(e as Error).message})`);
  }
  return parsePreprocessorConfig(json, file);
}

/**
 * A Qwen2-VL `preprocessor_config.json` for a model config (patch, merge and temporal sizes from
 * its vision tower; CLIP mean/std; pixel bounds default to transformers' 56·56 … 28·28·1280).
 */
export function preprocessorConfigJson(model: QwenVLConfig, opts: { minPixels?: number; maxPixels?: number } = {}): Record<string, unknown> {
  const v = model.vision;
  return {
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...OPENAI_CLIP_MEAN],
    image_std: [...OPENAI_CLIP_STD],
    image_processor_type: 'Qwen2VLImageProcessor',
    processor_class: model.modelType === 'qwen2_5_vl' ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    min_pixels: opts.minPixels ?? 56 * 56,
    max_pixels: opts.maxPixels ?? 28 * 28 * 1280,
    merge_size: v.spatialMergeSize,
    patch_size: v.patchSize,
    temporal_patch_size: v.temporalPatchSize,
    resample: 3,
    rescale_factor: 1 / 255,
  };
}

/** Writes `preprocessor_config.json` into `dir` (atomically). */
export async function writePreprocessorConfig(dir: string, model: QwenVLConfig, opts: { minPixels?: number; maxPixels?: number } = {}): Promise<void> {
  await writeFileAtomic(join(dir, PREPROCESSOR_FILE), JSON.stringify(preprocessorConfigJson(model, opts), null, 2) + '\n');
}

/** Preprocessed images of one batch. */
export interface ImageBatch {
  /** Row-major [numPatches, C·T·P·P], all images concatenated in order. */
  pixelValues: Float32Array;
  shape: [number, number];
  /** [t, h, w] in patches, per image. */
  imageGridThw: Array<[number, number, number]>;
  /** Size each image was resized to. */
  sizes: Array<{ width: number; height: number }>;
}

/** Row blocks of patches (one per image or video) as one `[numPatches, C·T·P·P]` block. */
function concatPatches(parts: ReadonlyArray<{ data: Float32Array; shape: readonly number[] }>, cfg: ResolvedVisionProcessorConfig): { pixelValues: Float32Array; shape: [number, number] } {
  const d = cfg.patch_size * cfg.patch_size * cfg.temporal_patch_size * 3;
  const n = parts.reduce((s, p) => s + p.shape[0]!, 0);
  const pixelValues = new Float32Array(n * d);
  let off = 0;
  for (const p of parts) {
    pixelValues.set(p.data, off);
    off += p.data.length;
  }
  return { pixelValues, shape: [n, d] };
}

/** Preprocesses images (any sizes) into one `pixel_values` block (see the module comment). */
export async function processImages(images: readonly RgbImage[], cfg: ResolvedVisionProcessorConfig): Promise<ImageBatch> {
  const parts = [];
  for (const img of images) parts.push(await preprocessImage(img, cfg));
  const { pixelValues, shape } = concatPatches(parts, cfg);
  return { pixelValues, shape, imageGridThw: parts.map((p) => p.gridThw), sizes: parts.map((p) => ({ width: p.width, height: p.height })) };
}

/** One video: frames of one size in time order, sampled at `fps` frames per second. */
export interface VideoInput {
  frames: readonly RgbImage[];
  /** Sampling rate of `frames` (default 2, Qwen2-VL's). */
  fps?: number;
}

/** Preprocessed videos of one batch. */
export interface VideoBatch {
  /** Row-major [numPatches, C·T·P·P], all videos concatenated in order (`pixel_values_videos`). */
  pixelValues: Float32Array;
  shape: [number, number];
  /** [t, h, w] in patches, per video (`video_grid_thw`). */
  videoGridThw: Array<[number, number, number]>;
  /** Seconds covered by one temporal patch: temporal_patch_size / fps (Qwen2.5-VL `second_per_grid_ts`). */
  secondPerGridTs: number[];
}

/**
 * Preprocesses videos: every frame of a video is smart-resized to the size computed from its
 * first frame, then the frames are patchified together (temporal patches of
 * `temporal_patch_size` frames; an odd count repeats the last frame), as Qwen2-VL's video
 * processor does. Frames of different sizes within one video are a `bad_input` error.
 */
export async function processVideos(videos: readonly VideoInput[], cfg: ResolvedVisionProcessorConfig): Promise<VideoBatch> {
  const parts = [];
  const secs: number[] = [];
  for (const [i, v] of videos.entries()) {
    if (v.frames.length === 0) throw new GlimpseError('bad_input', `video ${i}: no frames`);
    const fps = v.fps ?? 2;
    if (!(fps > 0) || !Number.isFinite(fps)) throw new GlimpseError('bad_input', `video ${i}: fps must be a positive number, got ${fps}`);
    const { width, height } = v.frames[0]!;
    const resized: RgbImage[] = [];
    for (const [k, f] of v.frames.entries()) {
      if (f.width !== width || f.height !== height) throw new GlimpseError('bad_input', `video ${i}: frame ${k} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`);
      const { image } = await resizeImage(f, { mode: 'smart', factor: cfg.patch_size * cfg.merge_size, minPixels: cfg.min_pixels, maxPixels: cfg.max_pixels });
      resized.push(image);
    }
    parts.push(toPixelValues(resized, cfg));
    secs.push(cfg.temporal_patch_size / fps);
  }
  const { pixelValues, shape } = concatPatches(parts, cfg);
  return { pixelValues, shape, videoGridThw: parts.map((p) => p.gridThw), secondPerGridTs: secs };
}

/** LLM tokens of one image or video: t·h·w / merge². */
export function visionTokenCount(grid: readonly number[], mergeSize: number): number {
  const [t, h, w] = grid as [number, number, number];
  const n = (t * h * w) / (mergeSize * mergeSize);
  if (!Number.isInteger(n) || n <= 0) throw new GlimpseError('bad_input', `grid [${grid.join(', ')}] does not merge into whole tokens with merge_size ${mergeSize}`);
  return n;
}

export const IMAGE_PAD = '<|image_pad|>';
export const VIDEO_PAD = '<|video_pad|>';

function countOf(text: string, token: string): number {
  let n = 0;
  for (let i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + token.length)) n++;
  return n;
}

/**
 * Repeats every `<|image_pad|>` / `<|video_pad|>` placeholder of `texts` once per merged patch of
 * its image / video (taken in order across the texts), like Qwen2VLProcessor. The number of
 * placeholders must equal the number of grids.
 */
export function expandVisionTokens(
  texts: readonly string[],
  grids: { image?: ReadonlyArray<readonly number[]>; video?: ReadonlyArray<readonly number[]> },
  mergeSize: number,
): string[] {
  const out: string[] = [];
  const counters = { image: 0, video: 0 };
  const kinds = [
    ['image', IMAGE_PAD, grids.image ?? []],
    ['video', VIDEO_PAD, grids.video ?? []],
  ] as const;
  const totals = { image: texts.reduce((s, t) => s + countOf(t, IMAGE_PAD), 0), video: texts.reduce((s, t) => s + countOf(t, VIDEO_PAD), 0) };
  for (const [kind, , list] of kinds) {
    if (totals[kind] !== list.length)
      throw new GlimpseError('bad_input', `the prompt${texts.length > 1 ? 's hold' : ' holds'} ${totals[kind]} ${kind} placeholder(s) but ${list.length} ${kind}(s) were given`);
  }
  for (const text of texts) {
    let s = '';
    let i = 0;
    while (i < text.length) {
      const ni = text.indexOf(IMAGE_PAD, i);
      const nv = text.indexOf(VIDEO_PAD, i);
      if (ni < 0 && nv < 0) {
        s += text.slice(i);
        break;
      }
      const isImage = ni >= 0 && (nv < 0 || ni < nv);
      const at = isImage ? ni : nv;
      const kind = isImage ? 'image' : 'video';
      const pad = isImage ? IMAGE_PAD : VIDEO_PAD;
      const list = isImage ? grids.image ?? [] : grids.video ?? [];
      const g = list[counters[kind]++]!;
      s += text.slice(i, at) + pad.repeat(visionTokenCount(g, mergeSize));
      i = at + pad.length;
    }
    out.push(s);
  }
  return out;
}

/** Model inputs for one batch of prompts. */
export interface ProcessedBatch {
  /** Token ids per prompt (not padded; see {@link padBatch}). */
  inputIds: number[][];
  /** All images of the batch, in prompt order (null when there are none). */
  images: ImageBatch | null;
  /** All videos of the batch, in prompt order (null when there are none). */
  videos: VideoBatch | null;
}

/**
 * Tokenizer + image processor of a Qwen2-VL model folder (`tokenizer.json`,
 * `tokenizer_config.json`, `preprocessor_config.json`).
 */
export class QwenVLProcessor {
  constructor(
    readonly tokenizer: HfTokenizer,
    readonly imageConfig: ResolvedVisionProcessorConfig,
  ) {}

  /** Loads both halves from a model folder (offline). */
  static async load(dir: string): Promise<QwenVLProcessor> {
    const cfg = readPreprocessorConfig(dir);
    return new QwenVLProcessor(await loadTokenizer(dir), cfg);
  }

  /**
   * Renders the chat template of `messages` (transformers' message format; image parts become
   * `<|vision_start|><|image_pad|><|vision_end|>`).
   */
  chat(messages: unknown[], opts: { addGenerationPrompt?: boolean } = {}): string {
    return this.tokenizer.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt: opts.addGenerationPrompt ?? true }) as unknown as string;
  }

  /**
   * Preprocesses `images` and `videos` (each in the order their placeholders appear across
   * `texts`), expands the placeholders and tokenizes. Special tokens in the text are recognised; none are added.
   */
  async process(texts: string | readonly string[], images: readonly RgbImage[] = [], videos: readonly VideoInput[] = []): Promise<ProcessedBatch> {
    const list = typeof texts === 'string' ? [texts] : [...texts];
    const batch = images.length ? await processImages(images, this.imageConfig) : null;
    const vids = videos.length ? await processVideos(videos, this.imageConfig) : null;
    const expanded = expandVisionTokens(list, { image: batch?.imageGridThw ?? [], video: vids?.videoGridThw ?? [] }, this.imageConfig.merge_size);
    const inputIds = expanded.map((t) => (t.length === 0 ? [] : this.tokenizer.encode(t, { add_special_tokens: false })));
    return { inputIds, images: batch, videos: vids };
  }
}

/**
 * Pads token id lists to one length: `left` for generation (prompts end together), `right` for
 * training. Returns ids and the attention mask (1 = token, 0 = padding), row-major [B, L].
 */
export function padBatch(rows: readonly number[][], padId: number, side: 'left' | 'right' = 'left'): { ids: number[][]; mask: number[][]; length: number } {
  const L = rows.reduce((m, r) => Math.max(m, r.length), 0);
  const ids: number[][] = [];
  const mask: number[][] = [];
  for (const r of rows) {
    const pad = new Array<number>(L - r.length).fill(padId);
    const zeros = new Array<number>(L - r.length).fill(0);
    const ones = new Array<number>(r.length).fill(1);
    ids.push(side === 'left' ? [...pad, ...r] : [...r, ...pad]);
    mask.push(side === 'left' ? [...zeros, ...ones] : [...ones, ...zeros]);
  }
  return { ids, mask, length: L };
}

/** glimpse-tiny's image budget: 56·56 … 28·28·64 = 224² pixels, i.e. at most 64 image tokens (as TINY_PROCESSOR in folder.ts). */
export const GLIMPSE_TINY_PIXELS = { minPixels: 56 * 56, maxPixels: 28 * 28 * 64 } as const;

/**
 * Writes every non-weight file of a glimpse-tiny Hugging Face folder into `dir`: `config.json`,
 * `generation_config.json`, `preprocessor_config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `chat_template.json`. The weights (`model.safetensors`) are the
 * model's business. Returns the written file names.
 */
export async function writeGlimpseTinyFiles(dir: string): Promise<string[]> {
  const { glimpseTinyConfig, writeModelConfig } = await import('./config.js');
  const { writeTokenizerFolder, specialId } = await import('../tokenizer/index.js');
  const cfg = glimpseTinyConfig();
  await writeModelConfig(join(dir, 'config.json'), cfg);
  const gen = { bos_token_id: specialId('<|endoftext|>'), eos_token_id: [specialId('<|im_end|>'), specialId('<|endoftext|>')], pad_token_id: specialId('<|endoftext|>') };
  await writeFileAtomic(join(dir, 'generation_config.json'), JSON.stringify(gen, null, 2) + '\n');
  await writePreprocessorConfig(dir, cfg, GLIMPSE_TINY_PIXELS);
  const tok = await writeTokenizerFolder(dir);
  return ['config.json', 'generation_config.json', PREPROCESSOR_FILE, ...tok];
}
