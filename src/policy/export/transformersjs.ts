/**
 * Export of a glimpse Qwen2-VL / Qwen2.5-VL model to the folder layout transformers.js
 * (@huggingface/transformers, `Qwen2VLForConditionalGeneration`) loads, in Node and in the browser:
 *
 *   <out>/config.json                 classic HF config + `transformers.js_config` (dtype fp32)
 *   <out>/generation_config.json      BOS / EOS (+ <|im_end|>, <|endoftext|>) / pad ids
 *   <out>/preprocessor_config.json    Qwen2VLImageProcessor settings (smart resize bounds, CLIP mean/std)
 *   <out>/tokenizer.json, tokenizer_config.json, ...   copied from the model
 *   <out>/onnx/embed_tokens.onnx
 *   <out>/onnx/vision_encoder.onnx
 *   <out>/onnx/decoder_model_merged.onnx   (+ `<name>.onnx_data` for models over 1.5 GiB)
 *
 * The folder is written under a temporary name next to `out` and renamed into place at the end,
 * so a failed export never leaves a half-written model behind.
 *
 * @example
 *   await exportTransformersJs(await loadPolicy('glimpse-tiny'), 'out/tiny-web', { onProgress: console.log });
 *   // in transformers.js:
 *   // const model = await Qwen2VLForConditionalGeneration.from_pretrained('/abs/out/tiny-web', { local_files_only: true });
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GlimpseError, describeError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { GraphBuilder } from '../graph/builder.js';
import { toHfConfigJson, type QwenVLConfig } from '../model/config.js';
import type { QwenVLPolicy } from '../model/policy.js';
import { writeTokenizerFolder } from '../tokenizer/build.js';
import { buildDecoderMergedGraph, buildEmbedTokensGraph, buildVisionEncoderGraph } from './graphs.js';
import { writeOnnx } from './onnx-file.js';

/** Tokenizer files copied into the export when the model has them. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.json', 'chat_template.jinja', 'special_tokens_map.json', 'vocab.json', 'merges.txt', 'added_tokens.json'];

/** The three ONNX sessions of the layout, in the order they are written. */
export const ONNX_FILES = ['embed_tokens', 'vision_encoder', 'decoder_model_merged'] as const;

export interface ExportOptions {
  /** Replace an existing, non-empty `out` folder (default: refuse). */
  overwrite?: boolean;
  /** External data for the ONNX weights: 'auto' (over 1.5 GiB), 'always', 'never'. */
  externalData?: 'auto' | 'always' | 'never';
  /** One line per step (for the CLI). */
  onProgress?: (line: string) => void;
}

export interface ExportResult {
  out: string;
  /** Every file written, relative to `out`. */
  files: string[];
  /** Total bytes written. */
  bytes: number;
}

/** `generation_config.json`: the ids glimpse's own sampler stops on. */
export function generationConfigJson(policy: QwenVLPolicy): Record<string, unknown> {
  const tok = policy.cfg.tokens;
  const eos = new Set(tok.eosTokenIds);
  for (const t of ['<|im_end|>', '<|endoftext|>']) {
    const ids = policy.tokenizer.encode(t, { add_special_tokens: false }) as number[];
    if (ids.length === 1) eos.add(ids[0]!);
  }
  const eosList = [...eos];
  return {
    ...(tok.bosTokenId !== null ? { bos_token_id: tok.bosTokenId } : {}),
    ...(eosList.length ? { eos_token_id: eosList.length === 1 ? eosList[0] : eosList } : {}),
    ...(tok.padTokenId !== null ? { pad_token_id: tok.padTokenId } : eosList.length ? { pad_token_id: eosList[0] } : {}),
    do_sample: false,
  };
}

/** `preprocessor_config.json` for transformers.js' Qwen2VLImageProcessor (explicit about every step). */
export function preprocessorConfigJson(policy: QwenVLPolicy): Record<string, unknown> {
  const p = policy.processor;
  return {
    image_processor_type: 'Qwen2VLImageProcessor',
    processor_class: policy.cfg.modelType === 'qwen2_5_vl' ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    do_convert_rgb: true,
    do_resize: true,
    resample: 3,
    do_rescale: true,
    rescale_factor: p.rescale_factor,
    do_normalize: true,
    image_mean: p.image_mean,
    image_std: p.image_std,
    min_pixels: p.min_pixels,
    max_pixels: p.max_pixels,
    size: { shortest_edge: p.min_pixels, longest_edge: p.max_pixels },
    patch_size: p.patch_size,
    temporal_patch_size: p.temporal_patch_size,
    merge_size: p.merge_size,
  };
}

/** `config.json`: the classic HF layout plus what transformers.js reads to pick the files. */
export function configJson(cfg: QwenVLConfig, external: string[]): Record<string, unknown> {
  const hf = toHfConfigJson(cfg);
  // transformers.js reads Qwen2.5-VL's decoder sizes from a nested text_config (model_type
  // qwen2_5_vl_text); the classic top-level fields stay for other readers (and glimpse).
  const { vision_config: _v, architectures: _a, model_type: _m, ...text } = hf;
  return {
    ...hf,
    ...(cfg.modelType === 'qwen2_5_vl' ? { text_config: { ...text, model_type: 'qwen2_5_vl_text' } } : {}),
    'transformers.js_config': {
      dtype: 'fp32',
      ...(external.length ? { use_external_data_format: Object.fromEntries(external.map((n) => [`${n}.onnx`, 1])) } : {}),
    },
  };
}

/** Throws unless `out` can receive an export (absent, an empty folder, or `overwrite`). */
export function checkExportOut(out: string, overwrite: boolean): void {
  if (!out) throw new GlimpseError('bad_argument', 'export: --out is required (the folder to write)');
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new GlimpseError('bad_argument', `${out}: exists and is not a folder`);
    if (readdirSync(out).length > 0 && !overwrite) throw new GlimpseError('bad_argument', `${out}: folder exists and is not empty`, 'pass --force to replace it, or choose another --out');
  }
  const parent = dirname(resolve(out));
  if (existsSync(parent) && !statSync(parent).isDirectory()) throw new GlimpseError('bad_argument', `${out}: parent ${parent} is not a folder`);
}

/**
 * Exports `policy` to `out` in the transformers.js Qwen2-VL layout (see the module comment).
 * Errors: `bad_argument` (out exists / is a file), `io` (cannot write), with the path.
 */
export async function exportTransformersJs(policy: QwenVLPolicy, out: string, o: ExportOptions = {}): Promise<ExportResult> {
  checkExportOut(out, o.overwrite ?? false);
  const say = o.onProgress ?? (() => {});
  const cfg = policy.cfg;
  const abs = resolve(out);
  const staging = join(dirname(abs), `.${basename(abs)}.export-${process.pid}-${Date.now().toString(36)}`);
  const files: string[] = [];
  let bytes = 0;
  try {
    mkdirSync(join(staging, 'onnx'), { recursive: true });
    // LoRA adapters (if any) are folded into the exported weights
    const params = policy.mergedParams();
    const builders: Record<(typeof ONNX_FILES)[number], () => GraphBuilder> = {
      embed_tokens: () => buildEmbedTokensGraph(cfg, params),
      vision_encoder: () => buildVisionEncoderGraph(cfg, params),
      decoder_model_merged: () => buildDecoderMergedGraph(cfg, params),
    };
    const external: string[] = [];
    for (const name of ONNX_FILES) {
      const t0 = Date.now();
      const g = builders[name]();
      const w = await writeOnnx(g, join(staging, 'onnx', `${name}.onnx`), o.externalData ?? 'auto');
      if (w.external) external.push(name);
      for (const f of w.files) files.push(`onnx/${basename(f)}`);
      bytes += w.bytes;
      say(`onnx/${name}.onnx: ${g.nodes.length} nodes, ${(w.bytes / 2 ** 20).toFixed(1)} MiB${w.external ? ' (external data)' : ''}, ${Date.now() - t0} ms`);
    }
    const json = async (name: string, value: unknown) => {
      const text = JSON.stringify(value, null, 2) + '\n';
      await writeFileAtomic(join(staging, name), text);
      files.push(name);
      bytes += Buffer.byteLength(text);
    };
    await json('config.json', configJson(cfg, external));
    await json('generation_config.json', generationConfigJson(policy));
    await json('preprocessor_config.json', preprocessorConfigJson(policy));
    let copied = 0;
    if (policy.tokenizerDir) {
      for (const f of TOKENIZER_FILES) {
        const src = join(policy.tokenizerDir, f);
        if (!existsSync(src)) continue;
        const data = readFileSync(src);
        await writeFileAtomic(join(staging, f), data);
        files.push(f);
        bytes += data.byteLength;
        copied++;
      }
    }
    if (copied === 0) {
      const written = await writeTokenizerFolder(staging);
      for (const f of written) files.push(basename(f));
      say('tokenizer: glimpse byte-level tokenizer written (the model had no tokenizer folder)');
    } else say(`tokenizer: ${copied} files copied from ${policy.tokenizerDir}`);
    if (existsSync(abs)) rmSync(abs, { recursive: true, force: true });
    renameSync(staging, abs);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (e instanceof GlimpseError) throw e;
    throw new GlimpseError('io', `${out}: export failed (${describeError(e)})`, undefined, { cause: e });
  }
  say(`wrote ${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB to ${out}`);
  return { out: abs, files, bytes };
}

/** An export format: a name and the function that writes it. */
export interface ExportFormat {
  name: string;
  description: string;
  run(policy: QwenVLPolicy, out: string, o: ExportOptions): Promise<ExportResult>;
}

const FORMATS: Record<string, ExportFormat> = {
  transformersjs: {
    name: 'transformersjs',
    description: 'ONNX layout of @huggingface/transformers for Qwen2-VL (onnx/vision_encoder, embed_tokens, decoder_model_merged)',
    run: exportTransformersJs,
  },
};

/** Names of the export formats. */
export function exportFormatNames(): string[] {
  return Object.keys(FORMATS);
}

/** An export format by name (`GlimpseError('unknown_name')` listing the known ones). */
export function exportFormat(name: string): ExportFormat {
  const f = FORMATS[name];
  if (!f) throw new GlimpseError('unknown_name', `unknown export format "${name}"; known: ${exportFormatNames().join(', ')}`);
  return f;
}
