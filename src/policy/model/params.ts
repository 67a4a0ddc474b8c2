/**
 * The parameters of a Qwen2-VL model under their Hugging Face names (the names of the Hub
 * checkpoints: `visual.blocks.0.attn.qkv.weight`, `model.layers.0.self_attn.q_proj.weight`,
 * `lm_head.weight`, ...), their shapes, and a deterministic random initialisation for models
 * trained from scratch (glimpse-tiny).
 */
import { GlimpseError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { QwenVLConfig } from './config.js';

export type InitKind = 'normal' | 'zeros' | 'ones';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: InitKind;
  /** Part of the vision tower (frozen by default under LoRA). */
  vision: boolean;
}

/** Every parameter of the model, in a stable order. */
export function paramSpecs(cfg: QwenVLConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  const v = cfg.vision;
  const t = cfg.text;
  const add = (name: string, shape: number[], init: InitKind, vision: boolean) => out.push({ name, shape, init, vision });
  const E = v.embedDim;
  add('visual.patch_embed.proj.weight', [E, v.inChannels, v.temporalPatchSize, v.patchSize, v.patchSize], 'normal', true);
  for (let i = 0; i < v.depth; i++) {
    const p = `visual.blocks.${i}`;
    if (v.norm === 'layernorm') {
      add(`${p}.norm1.weight`, [E], 'ones', true);
      add(`${p}.norm1.bias`, [E], 'zeros', true);
      add(`${p}.norm2.weight`, [E], 'ones', true);
      add(`${p}.norm2.bias`, [E], 'zeros', true);
    } else {
      add(`${p}.norm1.weight`, [E], 'ones', true);
      add(`${p}.norm2.weight`, [E], 'ones', true);
    }
    add(`${p}.attn.qkv.weight`, [3 * E, E], 'normal', true);
    add(`${p}.attn.qkv.bias`, [3 * E], 'zeros', true);
    add(`${p}.attn.proj.weight`, [E, E], 'normal', true);
    add(`${p}.attn.proj.bias`, [E], 'zeros', true);
    if (v.mlp === 'mlp') {
      add(`${p}.mlp.fc1.weight`, [v.mlpDim, E], 'normal', true);
      add(`${p}.mlp.fc1.bias`, [v.mlpDim], 'zeros', true);
      add(`${p}.mlp.fc2.weight`, [E, v.mlpDim], 'normal', true);
      add(`${p}.mlp.fc2.bias`, [E], 'zeros', true);
    } else {
      for (const n of ['gate_proj', 'up_proj']) {
        add(`${p}.mlp.${n}.weight`, [v.mlpDim, E], 'normal', true);
        add(`${p}.mlp.${n}.bias`, [v.mlpDim], 'zeros', true);
      }
      add(`${p}.mlp.down_proj.weight`, [E, v.mlpDim], 'normal', true);
      add(`${p}.mlp.down_proj.bias`, [E], 'zeros', true);
    }
  }
  const M = E * v.spatialMergeSize * v.spatialMergeSize;
  add('visual.merger.ln_q.weight', [E], 'ones', true);
  if (v.norm === 'layernorm') add('visual.merger.ln_q.bias', [E], 'zeros', true);
  add('visual.merger.mlp.0.weight', [M, M], 'normal', true);
  add('visual.merger.mlp.0.bias', [M], 'zeros', true);
  add('visual.merger.mlp.2.weight', [v.outHiddenSize, M], 'normal', true);
  add('visual.merger.mlp.2.bias', [v.outHiddenSize], 'zeros', true);

  const D = t.hiddenSize;
  const q = t.numAttentionHeads * t.headDim;
  const kv = t.numKeyValueHeads * t.headDim;
  add('model.embed_tokens.weight', [t.vocabSize, D], 'normal', false);
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    add(`${p}.input_layernorm.weight`, [D], 'ones', false);
    add(`${p}.self_attn.q_proj.weight`, [q, D], 'normal', false);
    add(`${p}.self_attn.q_proj.bias`, [q], 'zeros', false);
    add(`${p}.self_attn.k_proj.weight`, [kv, D], 'normal', false);
    add(`${p}.self_attn.k_proj.bias`, [kv], 'zeros', false);
    add(`${p}.self_attn.v_proj.weight`, [kv, D], 'normal', false);
    add(`${p}.self_attn.v_proj.bias`, [kv], 'zeros', false);
    add(`${p}.self_attn.o_proj.weight`, [D, q], 'normal', false);
    add(`${p}.post_attention_layernorm.weight`, [D], 'ones', false);
    add(`${p}.mlp.gate_proj.weight`, [t.intermediateSize, D], 'normal', false);
    add(`${p}.mlp.up_proj.weight`, [t.intermediateSize, D], 'normal', false);
    add(`${p}.mlp.down_proj.weight`, [D, t.intermediateSize], 'normal', false);
  }
  add('model.norm.weight', [D], 'ones', false);
  if (!t.tieWordEmbeddings) add('lm_head.weight', [t.vocabSize, D], 'normal', false);
  return out;
}

export type ParamMap = Map<string, Float32Array>;

/** Deterministic initialisation: N(0, std) weights (std 0.02, as HF `initializer_range`), zero biases, unit norms. */
export function initParams(cfg: QwenVLConfig, seed = 0, std = 0.02): ParamMap {
  const rng = new Rng(seed);
  const out: ParamMap = new Map();
  for (const s of paramSpecs(cfg)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (s.init === 'ones') a.fill(1);
    else if (s.init === 'normal') for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    out.set(s.name, a);
  }
  return out;
}

/** Hugging Face name prefixes of newer transformers releases, mapped to the classic ones. */
const RENAMES: Array<[RegExp, string]> = [
  [/^model\.language_model\./, 'model.'],
  [/^model\.visual\./, 'visual.'],
];

/** The classic name of a checkpoint tensor name (newer transformers nest the modules). */
export function canonicalName(name: string): string {
  for (const [re, to] of RENAMES) if (re.test(name)) return name.replace(re, to);
  return name;
}

/**
 * Checks a loaded set of tensors against the specs: every parameter present with its shape;
 * missing and unexpected names are listed in the error.
 */
export function checkParams(cfg: QwenVLConfig, params: ReadonlyMap<string, { shape: readonly number[] }>, source: string): void {
  const specs = paramSpecs(cfg);
  const want = new Map(specs.map((s) => [s.name, s]));
  const missing = specs.filter((s) => !params.has(s.name)).map((s) => s.name);
  const unexpected = [...params.keys()].filter((k) => !want.has(k) && !(cfg.text.tieWordEmbeddings && k === 'lm_head.weight'));
  const wrong: string[] = [];
  for (const [k, v] of params) {
    const s = want.get(k);
    if (s && (s.shape.length !== v.shape.length || s.shape.some((d, i) => d !== v.shape[i]))) wrong.push(`${k} is [${v.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
  }
  const parts: string[] = [];
  const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} … (${xs.length} in all)` : xs.join(', '));
  if (missing.length) parts.push(`missing tensors: ${list(missing)}`);
  if (unexpected.length) parts.push(`unexpected tensors: ${list(unexpected)}`);
  if (wrong.length) parts.push(`wrong shapes: ${list(wrong)}`);
  if (parts.length) throw new GlimpseError('corrupt', `${source}: weights do not match the config: ${parts.join('; ')}`);
}

/** Total number of parameters. */
export function countParams(cfg: QwenVLConfig): number {
  return paramSpecs(cfg).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
}
