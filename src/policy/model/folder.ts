/**
 * Model folders in Hugging Face layout: `config.json`, `model.safetensors` (or shards with an
 * index), `tokenizer.json` + `tokenizer_config.json`, `preprocessor_config.json`. Presets
 * (`glimpse-tiny`) are made in memory: the architecture at a few million parameters, randomly
 * initialised from a seed, with glimpse's own byte-level tokenizer.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { VisionProcessorConfig } from '../../../modalities/image/tensor.js';
import { Checkpoint, writeCheckpoint } from '../weights/checkpoint.js';
import { fromFloat32, toFloat32, type Tensor } from '../weights/dtype.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { writeTokenizerFolder } from '../tokenizer/build.js';
import { glimpseTinyConfig, modelPresetNames, readModelConfig, writeModelConfig, type QwenVLConfig } from './config.js';
import { canonicalName, checkParams, initParams, type ParamMap } from './params.js';
import { QwenVLPolicy, type PolicyRuntimeOptions } from './policy.js';
import { readPreprocessorConfig } from './processor.js';
import { saveAdapter } from './lora.js';

/** Tokenizer files copied along with a model. */
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'chat_template.json', 'special_tokens_map.json', 'vocab.json', 'merges.txt'];

/** Processor settings of glimpse-tiny: small inputs (≤ 224×224, ≤ 64 image tokens). */
export const TINY_PROCESSOR: VisionProcessorConfig = { min_pixels: 56 * 56, max_pixels: 224 * 224 };

export interface LoadPolicyOptions extends PolicyRuntimeOptions {
  /** Seed of a preset's random initialisation. */
  seed?: number;
}

/** A preset by name, or a model folder. */
export async function loadPolicy(source: string, o: LoadPolicyOptions = {}): Promise<QwenVLPolicy> {
  if (!existsSync(source) && modelPresetNames().includes(source)) return presetPolicy(source, o);
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new GlimpseError('not_found', `${source}: not a model folder, and not a preset (presets: ${modelPresetNames().join(', ')})`,
      'a model folder holds config.json, model.safetensors (or shards) and tokenizer.json');
  }
  return loadPolicyFolder(source, o);
}

async function presetPolicy(name: string, o: LoadPolicyOptions): Promise<QwenVLPolicy> {
  const cfg: QwenVLConfig = glimpseTinyConfig();
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-tokenizer-'));
  await writeTokenizerFolder(dir);
  const tokenizer = await loadTokenizer(dir);
  const policy = new QwenVLPolicy(name, cfg, initParams(cfg, o.seed ?? 0), tokenizer, TINY_PROCESSOR, o);
  policy.tokenizerDir = dir;
  return policy;
}

/** Loads a Hugging Face-layout folder. Missing/unexpected tensors are listed in the error. */
export async function loadPolicyFolder(dir: string, o: PolicyRuntimeOptions = {}): Promise<QwenVLPolicy> {
  const cfg = readModelConfig(join(dir, 'config.json'));
  const ckpt = Checkpoint.open(dir);
  const params: ParamMap = new Map();
  const shapes = new Map<string, { shape: number[] }>();
  try {
    for (const name of ckpt.names()) {
      const t = ckpt.read(name);
      const n = canonicalName(name);
      params.set(n, toFloat32(t));
      shapes.set(n, { shape: t.shape });
    }
  } finally {
    ckpt.close();
  }
  checkParams(cfg, shapes, dir);
  if (cfg.text.tieWordEmbeddings) params.delete('lm_head.weight');
  const tokenizer = await loadTokenizer(dir);
  // validated, with the Hugging Face `size` spelling accepted (processor.ts)
  const pp = join(dir, 'preprocessor_config.json');
  const processor: VisionProcessorConfig | undefined = existsSync(pp) ? readPreprocessorConfig(pp) : undefined;
  const meta = existsSync(join(dir, 'glimpse.json')) ? (JSON.parse(readFileSync(join(dir, 'glimpse.json'), 'utf8')) as { name?: string; system_prompt?: string | null }) : {};
  const policy = new QwenVLPolicy(meta.name ?? dir, cfg, params, tokenizer, processor, { systemPrompt: meta.system_prompt ?? null, ...o });
  policy.tokenizerDir = dir;
  return policy;
}

export interface SavePolicyOptions {
  /** With LoRA on: write only the adapter, in PEFT layout (`adapter_model.safetensors` + `adapter_config.json`), instead of the merged model. */
  adapterOnly?: boolean;
}

/**
 * Writes a policy as a Hugging Face-layout folder (each file atomically). With LoRA on, the
 * weights are the base with the adapters merged in (a plain model any Qwen2-VL loader reads),
 * or with `adapterOnly` the adapter alone (lora.ts `saveAdapter`).
 */
export async function savePolicy(policy: QwenVLPolicy, dir: string, metadata: Record<string, string> = {}, o: SavePolicyOptions = {}): Promise<void> {
  if (o.adapterOnly) {
    if (!policy.lora) throw new GlimpseError('bad_argument', `savePolicy: ${policy.name} has no LoRA adapter to save (enable LoRA, or save the whole model)`);
    await saveAdapter(dir, policy.lora, policy.params, policy.name);
    return;
  }
  await writeModelConfig(join(dir, 'config.json'), policy.cfg);
  const set = new Map<string, Tensor>();
  for (const [name, data] of policy.mergedParams()) set.set(name, fromFloat32(data, [...policy.shapes.get(name)!], 'F32'));
  await writeCheckpoint(dir, set, { metadata: { format: 'pt', ...metadata } });
  if (policy.tokenizerDir) {
    for (const f of TOKENIZER_FILES) {
      const src = join(policy.tokenizerDir, f);
      if (existsSync(src) && resolve(src) !== resolve(join(dir, f))) await writeFileAtomic(join(dir, f), readFileSync(src));
    }
  } else await writeTokenizerFolder(dir);
  await writeFileAtomic(join(dir, 'preprocessor_config.json'), JSON.stringify({
    image_processor_type: 'Qwen2VLImageProcessor',
    ...policy.processor,
  }, null, 2) + '\n');
  await writeFileAtomic(join(dir, 'glimpse.json'), JSON.stringify({ name: policy.name, system_prompt: null }, null, 2) + '\n');
}
