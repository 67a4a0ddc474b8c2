/**
 * LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") for the Qwen2-VL
 * graphs. A targeted linear layer `y = x·Wᵀ + b` becomes
 *
 *     y = x·Wᵀ + b + (α/r)·(x·Aᵀ)·Bᵀ,   A: [r, in], B: [out, r]
 *
 * with B initialised to zero (so the adapted model starts equal to the base) and A to
 * Kaiming-uniform (`U(−1/√in, 1/√in)`, as PEFT's `kaiming_uniform_(a=√5)`). No dropout: in RL the
 * training graph must compute the same function as the sampler, so logprobs agree.
 *
 * The adapters are graph INPUTS named as PEFT names them (`<module>.lora_A.weight`,
 * `<module>.lora_B.weight`, e.g. `model.layers.0.self_attn.q_proj.lora_A.weight`); `linear` in
 * layers.ts looks the adapter of a weight tensor up with {@link loraOf}. Targets are module-name
 * patterns, matched like PEFT's `target_modules`: a pattern matches a module whose name equals it
 * or ends with `.<pattern>`, or (as a regular expression) matches the whole name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/tensor.js';
import { GlimpseError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { QwenVLConfig } from './config.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import { fromFloat32, toFloat32, type Tensor as WeightTensor } from '../weights/dtype.js';
import { canonicalName, paramSpecs, type ParamMap } from './params.js';

/** Default targets: every projection of the decoder (attention q/k/v/o and the SwiGLU MLP). */
export const DEFAULT_LORA_TARGETS: readonly string[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

export interface LoraOptions {
  /** Rank r (≥ 1). Default 8. */
  rank?: number;
  /** Scale numerator α; the update is scaled by α/r. Default 16. */
  alpha?: number;
  /** Module-name patterns (PEFT `target_modules`). Default {@link DEFAULT_LORA_TARGETS}. */
  targets?: readonly string[];
  /** Also adapt modules of the vision tower (frozen by default). */
  trainVision?: boolean;
  /** Seed of the Kaiming-uniform initialisation of A. Default 0. */
  seed?: number;
}

/** A resolved LoRA setup: which modules carry adapters, and their rank and scale. */
export interface LoraSpec {
  rank: number;
  alpha: number;
  /** α / r. */
  scale: number;
  /** The patterns as given. */
  targets: string[];
  trainVision: boolean;
  /** Adapted modules (weight name without `.weight`), in parameter order. */
  modules: LoraModule[];
}

export interface LoraModule {
  /** e.g. `model.layers.0.self_attn.q_proj`. */
  name: string;
  /** `[out, in]` of the base weight. */
  out: number;
  in: number;
  vision: boolean;
}

/** PEFT names of a module's adapter matrices. */
export function loraNames(module: string): { a: string; b: string } {
  return { a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight` };
}

/**
 * Modules LoRA can adapt: every 2-D weight applied by `linear` (attention, MLP, merger, an untied
 * LM head). The token embedding is a lookup, and the patch embedding a reshaped Conv3d: neither.
 */
export function loraEligibleModules(cfg: QwenVLConfig): LoraModule[] {
  return paramSpecs(cfg)
    .filter((s) => s.name.endsWith('.weight') && s.shape.length === 2 && s.name !== 'model.embed_tokens.weight')
    .map((s) => ({ name: s.name.slice(0, -'.weight'.length), out: s.shape[0]!, in: s.shape[1]!, vision: s.vision }));
}

/** Does a PEFT-style pattern match a module name (exact, `.suffix`, or whole-name regex)? */
export function matchesTarget(pattern: string, module: string): boolean {
  return targetMatcher(pattern)(module);
}

/** {@link matchesTarget} with the pattern compiled once. */
export function targetMatcher(pattern: string): (module: string) => boolean {
  let re: RegExp | undefined;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    re = undefined;
  }
  return (module) => {
    if (module === pattern || module.endsWith(`.${pattern}`)) return true;
    try {
      return re?.test(module) ?? false; // V8 compiles lazily: a pathological pattern fails here
    } catch {
      return false;
    }
  };
}

function summarise(mods: readonly LoraModule[]): string {
  const leaf = [...new Set(mods.map((m) => m.name.replace(/^(model\.layers|visual\.blocks)\.\d+\./, '')))];
  return leaf.join(', ');
}

/**
 * Resolves options into a spec for this architecture. Every pattern must match at least one
 * adaptable module; otherwise a GlimpseError lists the module names there are.
 */
export function resolveLora(cfg: QwenVLConfig, o: LoraOptions = {}): LoraSpec {
  const rank = o.rank ?? 8;
  const alpha = o.alpha ?? 16;
  const targets = [...(o.targets ?? DEFAULT_LORA_TARGETS)];
  const trainVision = o.trainVision ?? false;
  if (!Number.isInteger(rank) || rank < 1 || rank > 4096) throw new GlimpseError('bad_argument', `LoRA rank must be an integer from 1 to 4096, got ${rank}`);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new GlimpseError('bad_argument', `LoRA alpha must be a positive number, got ${alpha}`);
  if (targets.length === 0 || targets.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new GlimpseError('bad_argument', `LoRA targets must be a non-empty list of module-name patterns, got ${JSON.stringify(targets).slice(0, 200)}`);
  }
  const long = targets.find((t) => t.length > 1000);
  if (long !== undefined) throw new GlimpseError('bad_argument', `LoRA target pattern '${long.slice(0, 40)}…' is ${long.length} characters long (at most 1000)`);
  const all = loraEligibleModules(cfg);
  const allowed = all.filter((m) => trainVision || !m.vision);
  const matchers = new Map(targets.map((t) => [t, targetMatcher(t)]));
  const bad = targets.filter((t) => !allowed.some((m) => matchers.get(t)!(m.name)));
  if (bad.length) {
    const visionOnly = bad.filter((t) => all.some((m) => m.vision && matchers.get(t)!(m.name)));
    throw new GlimpseError('bad_argument',
      `LoRA target pattern${bad.length > 1 ? 's' : ''} ${bad.map((t) => `'${t}'`).join(', ')} match${bad.length > 1 ? '' : 'es'} no module` +
      (visionOnly.length ? ` (${visionOnly.map((t) => `'${t}'`).join(', ')} only match${visionOnly.length > 1 ? '' : 'es'} vision-tower modules, frozen unless train_vision is on)` : '') +
      `; the decoder has: ${summarise(all.filter((m) => !m.vision))}; the vision tower has: ${summarise(all.filter((m) => m.vision))}` +
      ` (full names look like ${allowed[0]?.name ?? all[0]?.name})`,
      'a pattern matches a module named exactly so, ending in .<pattern>, or matching it whole as a regular expression');
  }
  const modules = allowed.filter((m) => targets.some((t) => matchers.get(t)!(m.name)));
  return { rank, alpha, scale: alpha / rank, targets, trainVision, modules };
}

/** Shapes of the adapter parameters by name (A `[r, in]`, B `[out, r]`). */
export function loraShapes(spec: LoraSpec): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of spec.modules) {
    const n = loraNames(m.name);
    out.set(n.a, [spec.rank, m.in]);
    out.set(n.b, [m.out, spec.rank]);
  }
  return out;
}

/** Fresh adapters: A ~ U(−1/√in, 1/√in) from `seed` (PEFT's Kaiming-uniform), B = 0. */
export function initLora(spec: LoraSpec, seed = 0): ParamMap {
  const rng = new Rng(seed);
  const out: ParamMap = new Map();
  for (const m of spec.modules) {
    const n = loraNames(m.name);
    const bound = 1 / Math.sqrt(m.in);
    const a = new Float32Array(spec.rank * m.in);
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
    out.set(n.a, a);
    out.set(n.b, new Float32Array(m.out * spec.rank));
  }
  return out;
}

/** `W + scale·B·A` for one module (float64 accumulation); `W: [out, in]`, `A: [r, in]`, `B: [out, r]`. */
export function mergedWeight(w: Float32Array, a: Float32Array, b: Float32Array, m: LoraModule, rank: number, scale: number): Float32Array {
  const out = Float32Array.from(w);
  const row = new Float64Array(m.in);
  for (let o = 0; o < m.out; o++) {
    row.fill(0);
    for (let k = 0; k < rank; k++) {
      const bk = b[o * rank + k]!;
      if (bk === 0) continue;
      const off = k * m.in;
      for (let i = 0; i < m.in; i++) row[i] = row[i]! + bk * a[off + i]!;
    }
    const base = o * m.in;
    for (let i = 0; i < m.in; i++) out[base + i] = out[base + i]! + scale * row[i]!;
  }
  return out;
}

/**
 * The base parameters with every adapter folded in (`W ← W + (α/r)·B·A`); untouched parameters
 * are shared, not copied. Adapter tensors are left out of the result.
 */
export function mergeLoraParams(params: ReadonlyMap<string, Float32Array>, spec: LoraSpec): ParamMap {
  const out: ParamMap = new Map();
  const adapterNames = new Set(loraShapes(spec).keys());
  for (const [k, v] of params) if (!adapterNames.has(k)) out.set(k, v);
  for (const m of spec.modules) {
    const n = loraNames(m.name);
    const w = params.get(`${m.name}.weight`);
    const a = params.get(n.a);
    const b = params.get(n.b);
    if (!w || !a || !b) throw new GlimpseError('internal', `LoRA merge: ${m.name} lacks its weight or adapters`);
    out.set(`${m.name}.weight`, mergedWeight(w, a, b, m, spec.rank, spec.scale));
  }
  return out;
}

// ---- graph side ------------------------------------------------------------------------------

/** An adapter attached to a weight tensor of one graph. */
export interface LoraAttachment {
  a: Tensor;
  b: Tensor;
  scale: number;
}

const attached = new WeakMap<Tensor, LoraAttachment>();

/** Marks `weight` (a graph input) as adapted: `linear` on it adds `scale·(x·Aᵀ)·Bᵀ`. */
export function attachLora(weight: Tensor, adapter: LoraAttachment): void {
  attached.set(weight, adapter);
}

/** The adapter attached to a weight tensor, if any. */
export function loraOf(weight: Tensor): LoraAttachment | undefined {
  return attached.get(weight);
}

/**
 * The low-rank update `scale·(x·Aᵀ)·Bᵀ` on a 2-D `x: [N, in]` (two thin Gemms; the scale is
 * applied to the `[N, r]` intermediate, the cheapest place).
 */
export function loraDelta(g: GraphBuilder, x2: Tensor, ad: LoraAttachment): Tensor {
  const xa = g.gemm(x2, ad.a, { transB: true }); // [N, r]
  return g.gemm(g.mul(xa, g.scalar(ad.scale, x2.dtype)), ad.b, { transB: true }); // [N, out]
}

// ---- PEFT adapter folders ------------------------------------------------------------------------

export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const ADAPTER_CONFIG = 'adapter_config.json';
/** Prefix PEFT puts before module names in `adapter_model.safetensors`. */
const PEFT_PREFIX = 'base_model.model.';

/**
 * Writes the adapter alone in PEFT layout: `adapter_model.safetensors`
 * (`base_model.model.<module>.lora_{A,B}.weight`) and `adapter_config.json` (`peft_type: LORA`,
 * `r`, `lora_alpha`, `lora_dropout: 0`, `target_modules`; the vision tower is excluded through
 * `exclude_modules` unless it is trained). Each file is written atomically.
 */
export async function saveAdapter(dir: string, spec: LoraSpec, params: ReadonlyMap<string, Float32Array>, baseModel: string): Promise<void> {
  const set = new Map<string, WeightTensor>();
  for (const [name, shape] of loraShapes(spec)) {
    const data = params.get(name);
    if (!data) throw new GlimpseError('internal', `saveAdapter: ${name} is missing`);
    set.set(PEFT_PREFIX + name, fromFloat32(data, shape, 'F32'));
  }
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS), set, { format: 'pt' });
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: spec.rank,
    lora_alpha: spec.alpha,
    lora_dropout: 0,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    target_modules: spec.targets,
    exclude_modules: spec.trainVision ? null : '(?:model\\.)?visual\\..*',
    glimpse_modules: spec.modules.map((m) => m.name),
  };
  await writeFileAtomic(join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
}

/**
 * Reads a PEFT LoRA adapter folder for a model of `cfg`: the spec (rank and α from
 * `adapter_config.json`, modules from the tensor names) and the adapter tensors by glimpse name.
 * Unknown modules, wrong shapes, and A without B are clear errors.
 */
export function readAdapter(cfg: QwenVLConfig, dir: string): { spec: LoraSpec; params: ParamMap } {
  const cp = join(dir, ADAPTER_CONFIG);
  const wp = join(dir, ADAPTER_WEIGHTS);
  if (!existsSync(cp) || !existsSync(wp)) throw new GlimpseError('not_found', `${dir}: not a LoRA adapter folder (needs ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS})`);
  let conf: { peft_type?: unknown; r?: unknown; lora_alpha?: unknown; target_modules?: unknown };
  try {
    conf = JSON.parse(readFileSync(cp, 'utf8')) as typeof conf;
  } catch (e) {
    throw new GlimpseError('corrupt', `${cp}: not valid JSON (${(e as Error).message})`);
  }
  if (conf.peft_type !== undefined && conf.peft_type !== 'LORA') throw new GlimpseError('unsupported', `${cp}: peft_type ${String(conf.peft_type)} is not LORA`);
  const rank = conf.r;
  const alpha = conf.lora_alpha ?? rank;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) throw new GlimpseError('corrupt', `${cp}: r must be a positive integer, got ${JSON.stringify(rank)}`);
  if (typeof alpha !== 'number' || !(alpha > 0)) throw new GlimpseError('corrupt', `${cp}: lora_alpha must be a positive number, got ${JSON.stringify(alpha)}`);
  const { tensors } = readSafetensors(wp);
  const eligible = new Map(loraEligibleModules(cfg).map((m) => [m.name, m]));
  const params: ParamMap = new Map();
  const found = new Map<string, LoraModule>();
  for (const [key, t] of tensors) {
    const name = canonicalName(key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key).replace(/\.lora_([AB])\.default\.weight$/, '.lora_$1.weight');
    const mm = /^(.*)\.lora_([AB])\.weight$/.exec(name);
    const mod = mm ? eligible.get(mm[1]!) : undefined;
    if (!mm || !mod) throw new GlimpseError('corrupt', `${wp}: tensor ${key} is not a LoRA matrix of a module of this model`);
    const want = mm[2] === 'A' ? [rank, mod.in] : [mod.out, rank];
    if (t.shape.length !== 2 || t.shape[0] !== want[0] || t.shape[1] !== want[1]) throw new GlimpseError('corrupt', `${wp}: ${key} is [${t.shape.join(', ')}], expected [${want.join(', ')}]`);
    params.set(name, toFloat32(t));
    found.set(mod.name, mod);
  }
  const modules = loraEligibleModules(cfg).filter((m) => found.has(m.name));
  if (modules.length === 0) throw new GlimpseError('corrupt', `${wp}: holds no LoRA matrices`);
  for (const m of modules) {
    const n = loraNames(m.name);
    if (!params.has(n.a) || !params.has(n.b)) throw new GlimpseError('corrupt', `${wp}: ${m.name} has ${params.has(n.a) ? 'lora_A but no lora_B' : 'lora_B but no lora_A'}`);
  }
  const targets = Array.isArray(conf.target_modules) && conf.target_modules.every((t) => typeof t === 'string') ? (conf.target_modules as string[]) : modules.map((m) => m.name);
  return { spec: { rank, alpha, scale: alpha / rank, targets, trainVision: modules.some((m) => m.vision), modules }, params };
}
