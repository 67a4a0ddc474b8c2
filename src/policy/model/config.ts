/**
 * Qwen2-VL / Qwen2.5-VL model configuration, read from a Hugging Face `config.json`.
 *
 * Two on-disk layouts exist and both are accepted:
 * - the classic one (Qwen2-VL / Qwen2.5-VL checkpoints on the Hub): text fields at the top level,
 *   `rope_scaling: {type: "mrope", mrope_section: [16, 24, 24]}`, and `vision_config`;
 * - the nested one of newer transformers releases: text fields in `text_config` (with
 *   `rope_scaling` or `rope_parameters`), `vision_config` beside it.
 *
 * The vision tower differs between the two model types (transformers
 * `configuration_qwen2_vl.py` / `configuration_qwen2_5_vl.py`):
 * - `qwen2_vl`: `embed_dim` is the ViT width, `hidden_size` the merger output (= LLM width),
 *   MLP `embed_dim × mlp_ratio` with `quick_gelu`, LayerNorm, full attention everywhere;
 * - `qwen2_5_vl`: `hidden_size` is the ViT width, `out_hidden_size` the merger output,
 *   gated MLP of `intermediate_size` (SiLU), RMSNorm, window attention (`window_size` pixels)
 *   except in `fullatt_block_indexes`, and `tokens_per_second` for video time positions.
 *
 * {@link parseModelConfig} returns one normalised {@link QwenVLConfig} for both, with the
 * consistency checks the graphs rely on; {@link toHfConfigJson} writes the classic layout back.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { specialId, TINY_VOCAB_SIZE } from '../tokenizer/special.js';

const int = (min = 0) => z.number().int().min(min);

/** `rope_scaling` / `rope_parameters` of the decoder: multimodal RoPE sections. */
const RopeSchema = z
  .object({
    type: z.string().optional().describe('"mrope" (older files) or "default"'),
    rope_type: z.string().optional().describe('"default" or "mrope" (newer files)'),
    mrope_section: z.array(int(1)).length(3).describe('rotary frequency pairs given to the t, h, w position ids (Qwen2-VL: [16, 24, 24], sum = head_dim / 2)'),
    rope_theta: z.number().positive().optional().describe('newer files keep rope_theta here'),
  })
  .passthrough();

/** Decoder (Qwen2) fields, as written in config.json. Defaults: transformers' Qwen2VLTextConfig. */
export const TextConfigSchema = z
  .object({
    vocab_size: int(1).default(152064).describe('rows of the embedding and LM head'),
    hidden_size: int(1).default(8192).describe('decoder width d_model'),
    intermediate_size: int(1).default(29568).describe('SwiGLU MLP width'),
    num_hidden_layers: int(1).default(80).describe('decoder layers'),
    num_attention_heads: int(1).default(64).describe('query heads'),
    num_key_value_heads: int(1).optional().describe('key/value heads (grouped-query attention; default = num_attention_heads)'),
    head_dim: int(1).optional().describe('per-head width (default hidden_size / num_attention_heads)'),
    hidden_act: z.string().default('silu').describe('MLP activation (Qwen2: silu)'),
    max_position_embeddings: int(1).default(32768).describe('longest sequence the rotary tables are meant for'),
    rms_norm_eps: z.number().positive().default(1e-6).describe('RMSNorm ε'),
    rope_theta: z.number().positive().optional().describe('rotary base θ (Qwen2-VL: 1e6)'),
    rope_scaling: RopeSchema.nullable().optional(),
    rope_parameters: RopeSchema.nullable().optional(),
    tie_word_embeddings: z.boolean().default(false).describe('LM head shares the embedding matrix'),
    attention_dropout: z.number().min(0).max(1).default(0),
    use_sliding_window: z.boolean().default(false).describe('sliding-window attention (unused by Qwen2-VL releases; must be false)'),
    bos_token_id: int().nullable().optional(),
    eos_token_id: z.union([int(), z.array(int())]).nullable().optional(),
    pad_token_id: int().nullable().optional(),
  })
  .passthrough();

/** Vision tower fields, as written in `vision_config`. */
export const VisionConfigSchema = z
  .object({
    depth: int(1).default(32).describe('ViT blocks'),
    embed_dim: int(1).optional().describe('Qwen2-VL: ViT width'),
    hidden_size: int(1).optional().describe('Qwen2-VL: merger output width (= LLM width); Qwen2.5-VL: ViT width'),
    out_hidden_size: int(1).optional().describe('Qwen2.5-VL: merger output width (= LLM width)'),
    hidden_act: z.string().optional().describe('Qwen2-VL: quick_gelu; Qwen2.5-VL: silu'),
    mlp_ratio: z.number().positive().optional().describe('Qwen2-VL: MLP width = embed_dim × mlp_ratio (4)'),
    intermediate_size: int(1).optional().describe('Qwen2.5-VL: gated MLP width (3420)'),
    num_heads: int(1).default(16).describe('ViT attention heads'),
    in_chans: int(1).optional().describe('input channels (older spelling)'),
    in_channels: int(1).optional().describe('input channels'),
    patch_size: int(1).default(14).describe('patch side in pixels'),
    spatial_patch_size: int(1).optional(),
    spatial_merge_size: int(1).default(2).describe('m×m patches merged into one LLM token'),
    temporal_patch_size: int(1).default(2).describe('frames per temporal patch (an image is repeated)'),
    window_size: int(1).optional().describe('Qwen2.5-VL: attention window side in pixels (112)'),
    fullatt_block_indexes: z.array(int()).optional().describe('Qwen2.5-VL: blocks with full attention ([7, 15, 23, 31])'),
    tokens_per_second: z.number().positive().optional().describe('Qwen2.5-VL: temporal position ids per second of video (2 or 4)'),
  })
  .passthrough();

/** A Hugging Face Qwen2-VL / Qwen2.5-VL `config.json` (classic or nested layout). */
export const HfConfigSchema = TextConfigSchema.extend({
  model_type: z.enum(['qwen2_vl', 'qwen2_5_vl']).describe('architecture family'),
  architectures: z.array(z.string()).optional(),
  text_config: z.record(z.string(), z.unknown()).optional().describe('nested layout: decoder fields'),
  vision_config: VisionConfigSchema.default(VisionConfigSchema.parse({})),
  image_token_id: int().default(151655).describe('<|image_pad|>'),
  video_token_id: int().default(151656).describe('<|video_pad|>'),
  vision_start_token_id: int().default(151652).describe('<|vision_start|>'),
  vision_end_token_id: int().default(151653).describe('<|vision_end|>'),
  vision_token_id: int().optional().describe('<|vision_pad|> (unused by the model)'),
}).passthrough();

/** The normalised configuration every model module reads. */
export interface QwenVLConfig {
  modelType: 'qwen2_vl' | 'qwen2_5_vl';
  text: {
    vocabSize: number;
    hiddenSize: number;
    intermediateSize: number;
    numHiddenLayers: number;
    numAttentionHeads: number;
    numKeyValueHeads: number;
    headDim: number;
    hiddenAct: string;
    rmsNormEps: number;
    ropeTheta: number;
    /** Frequency pairs per position axis [t, h, w]; sums to headDim / 2. */
    mropeSection: [number, number, number];
    maxPositionEmbeddings: number;
    tieWordEmbeddings: boolean;
  };
  vision: {
    depth: number;
    /** ViT width. */
    embedDim: number;
    numHeads: number;
    /** ViT MLP width. */
    mlpDim: number;
    hiddenAct: string;
    /** 'layernorm' + 'mlp' (fc1/fc2) for Qwen2-VL; 'rmsnorm' + 'gated' (gate/up/down) for Qwen2.5-VL. */
    norm: 'layernorm' | 'rmsnorm';
    mlp: 'mlp' | 'gated';
    inChannels: number;
    patchSize: number;
    temporalPatchSize: number;
    spatialMergeSize: number;
    /** Merger output width (= text.hiddenSize). */
    outHiddenSize: number;
    /** Qwen2.5-VL window side in pixels; null = full attention everywhere. */
    windowSize: number | null;
    fullattBlockIndexes: number[];
    /** Qwen2.5-VL video time positions per second; null for Qwen2-VL. */
    tokensPerSecond: number | null;
  };
  tokens: {
    imageTokenId: number;
    videoTokenId: number;
    visionStartTokenId: number;
    visionEndTokenId: number;
    bosTokenId: number | null;
    eosTokenIds: number[];
    padTokenId: number | null;
  };
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates and normalises a parsed `config.json`. `source` names the file in errors
 * (`GlimpseError('bad_config')`, listing every problem).
 */
export function parseModelConfig(json: unknown, source = 'config.json'): QwenVLConfig {
  const top = HfConfigSchema.safeParse(json);
  if (!top.success) throw new GlimpseError('bad_config', `${source}: not a Qwen2-VL / Qwen2.5-VL config (${issues(top.error)})`);
  const c = top.data;
  // Nested layout: text fields in text_config override the top level.
  let t = c as z.output<typeof TextConfigSchema>;
  if (c.text_config) {
    const { text_config: _tc, vision_config: _vc, ...rest } = json as Record<string, unknown>;
    const nested = TextConfigSchema.safeParse({ ...rest, ...c.text_config });
    if (!nested.success) throw new GlimpseError('bad_config', `${source}: text_config: ${issues(nested.error)}`);
    t = nested.data;
  }
  const v = c.vision_config;
  const problems: string[] = [];
  const rope = t.rope_scaling ?? t.rope_parameters ?? null;
  const is25 = c.model_type === 'qwen2_5_vl';
  const heads = t.num_attention_heads;
  const kvHeads = t.num_key_value_heads ?? heads;
  const headDim = t.head_dim ?? t.hidden_size / heads;
  if (!Number.isInteger(headDim)) problems.push(`hidden_size ${t.hidden_size} is not divisible by num_attention_heads ${heads}`);
  if (heads % kvHeads !== 0) problems.push(`num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  if (!rope) problems.push('rope_scaling.mrope_section is missing (Qwen2-VL needs multimodal RoPE sections)');
  const section = (rope?.mrope_section ?? [0, 0, 0]) as [number, number, number];
  if (rope && section[0] + section[1] + section[2] !== headDim / 2) problems.push(`mrope_section [${section.join(', ')}] sums to ${section[0] + section[1] + section[2]}, expected head_dim / 2 = ${headDim / 2}`);
  if (t.use_sliding_window) problems.push('use_sliding_window = true is not supported');
  const embedDim = is25 ? v.hidden_size ?? 1280 : v.embed_dim ?? 1280;
  const outHidden = is25 ? v.out_hidden_size ?? v.hidden_size ?? t.hidden_size : v.hidden_size ?? t.hidden_size;
  const mlpDim = is25 ? v.intermediate_size ?? 3420 : Math.round(embedDim * (v.mlp_ratio ?? 4));
  if (embedDim % v.num_heads !== 0) problems.push(`vision width ${embedDim} is not divisible by vision num_heads ${v.num_heads}`);
  else if ((embedDim / v.num_heads) % 4 !== 0) problems.push(`vision head width ${embedDim / v.num_heads} must be a multiple of 4 (2D rotary embedding)`);
  if (outHidden !== t.hidden_size) problems.push(`vision merger output ${outHidden} differs from the decoder hidden_size ${t.hidden_size}`);
  const windowSize = is25 ? v.window_size ?? 112 : null;
  if (windowSize !== null && windowSize % (v.patch_size * v.spatial_merge_size) !== 0)
    problems.push(`window_size ${windowSize} is not a multiple of patch_size × spatial_merge_size = ${v.patch_size * v.spatial_merge_size}`);
  const full = is25 ? v.fullatt_block_indexes ?? [] : [];
  for (const i of full) if (i >= v.depth) problems.push(`fullatt_block_indexes has ${i}, but depth is ${v.depth}`);
  for (const [k, id] of [['image_token_id', c.image_token_id], ['video_token_id', c.video_token_id], ['vision_start_token_id', c.vision_start_token_id], ['vision_end_token_id', c.vision_end_token_id]] as const) {
    if (id >= t.vocab_size) problems.push(`${k} ${id} is outside the vocabulary (vocab_size ${t.vocab_size})`);
  }
  if (problems.length) throw new GlimpseError('bad_config', `${source}: ${problems.join('; ')}`);
  const eos = t.eos_token_id ?? null;
  return {
    modelType: c.model_type,
    text: {
      vocabSize: t.vocab_size,
      hiddenSize: t.hidden_size,
      intermediateSize: t.intermediate_size,
      numHiddenLayers: t.num_hidden_layers,
      numAttentionHeads: heads,
      numKeyValueHeads: kvHeads,
      headDim,
      hiddenAct: t.hidden_act,
      rmsNormEps: t.rms_norm_eps,
      ropeTheta: t.rope_theta ?? rope?.rope_theta ?? 1_000_000,
      mropeSection: [...section],
      maxPositionEmbeddings: t.max_position_embeddings,
      tieWordEmbeddings: t.tie_word_embeddings,
    },
    vision: {
      depth: v.depth,
      embedDim,
      numHeads: v.num_heads,
      mlpDim,
      hiddenAct: v.hidden_act ?? (is25 ? 'silu' : 'quick_gelu'),
      norm: is25 ? 'rmsnorm' : 'layernorm',
      mlp: is25 ? 'gated' : 'mlp',
      inChannels: v.in_channels ?? v.in_chans ?? 3,
      patchSize: v.patch_size,
      temporalPatchSize: v.temporal_patch_size,
      spatialMergeSize: v.spatial_merge_size,
      outHiddenSize: outHidden,
      windowSize,
      fullattBlockIndexes: [...full],
      tokensPerSecond: is25 ? v.tokens_per_second ?? 2 : null,
    },
    tokens: {
      imageTokenId: c.image_token_id,
      videoTokenId: c.video_token_id,
      visionStartTokenId: c.vision_start_token_id,
      visionEndTokenId: c.vision_end_token_id,
      bosTokenId: t.bos_token_id ?? null,
      eosTokenIds: eos === null ? [] : Array.isArray(eos) ? eos : [eos],
      padTokenId: t.pad_token_id ?? null,
    },
  };
}

/** Reads and validates `config.json` at `path` (GlimpseError 'not_found' / 'corrupt' / 'bad_config'). */
export function readModelConfig(path: string): QwenVLConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'io', `${path}: cannot read model config (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GlimpseError('corrupt', `${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseModelConfig(json, path);
}

/**
 * The classic Hugging Face `config.json` layout of a normalised config (what the Hub checkpoints
 * use and what transformers and transformers.js read).
 */
export function toHfConfigJson(cfg: QwenVLConfig): Record<string, unknown> {
  const t = cfg.text;
  const v = cfg.vision;
  const is25 = cfg.modelType === 'qwen2_5_vl';
  const vision: Record<string, unknown> = is25
    ? {
        depth: v.depth,
        hidden_size: v.embedDim,
        out_hidden_size: v.outHiddenSize,
        hidden_act: v.hiddenAct,
        intermediate_size: v.mlpDim,
        num_heads: v.numHeads,
        in_chans: v.inChannels,
        patch_size: v.patchSize,
        spatial_patch_size: v.patchSize,
        spatial_merge_size: v.spatialMergeSize,
        temporal_patch_size: v.temporalPatchSize,
        window_size: v.windowSize,
        fullatt_block_indexes: v.fullattBlockIndexes,
        tokens_per_second: v.tokensPerSecond,
      }
    : {
        depth: v.depth,
        embed_dim: v.embedDim,
        hidden_size: v.outHiddenSize,
        hidden_act: v.hiddenAct,
        mlp_ratio: v.mlpDim / v.embedDim,
        num_heads: v.numHeads,
        in_chans: v.inChannels,
        patch_size: v.patchSize,
        spatial_merge_size: v.spatialMergeSize,
        temporal_patch_size: v.temporalPatchSize,
      };
  const eos = cfg.tokens.eosTokenIds;
  return {
    architectures: [is25 ? 'Qwen2_5_VLForConditionalGeneration' : 'Qwen2VLForConditionalGeneration'],
    model_type: cfg.modelType,
    vocab_size: t.vocabSize,
    hidden_size: t.hiddenSize,
    intermediate_size: t.intermediateSize,
    num_hidden_layers: t.numHiddenLayers,
    num_attention_heads: t.numAttentionHeads,
    num_key_value_heads: t.numKeyValueHeads,
    ...(t.headDim !== t.hiddenSize / t.numAttentionHeads ? { head_dim: t.headDim } : {}),
    hidden_act: t.hiddenAct,
    max_position_embeddings: t.maxPositionEmbeddings,
    rms_norm_eps: t.rmsNormEps,
    rope_theta: t.ropeTheta,
    rope_scaling: { type: 'mrope', mrope_section: t.mropeSection },
    tie_word_embeddings: t.tieWordEmbeddings,
    use_sliding_window: false,
    attention_dropout: 0,
    ...(cfg.tokens.bosTokenId !== null ? { bos_token_id: cfg.tokens.bosTokenId } : {}),
    ...(eos.length ? { eos_token_id: eos.length === 1 ? eos[0] : eos } : {}),
    ...(cfg.tokens.padTokenId !== null ? { pad_token_id: cfg.tokens.padTokenId } : {}),
    image_token_id: cfg.tokens.imageTokenId,
    video_token_id: cfg.tokens.videoTokenId,
    vision_start_token_id: cfg.tokens.visionStartTokenId,
    vision_end_token_id: cfg.tokens.visionEndTokenId,
    vision_config: vision,
    torch_dtype: 'float32',
  };
}

/** Writes `config.json` (classic layout) atomically. */
export async function writeModelConfig(path: string, cfg: QwenVLConfig): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(toHfConfigJson(cfg), null, 2) + '\n');
}

/**
 * `glimpse-tiny`: the Qwen2-VL architecture at a few million parameters (≈4.5 M), the embedded
 * default policy. Decoder: 4 layers, width 256, 4 query / 2 key-value heads of 64, SwiGLU 768,
 * tied embeddings, M-RoPE sections [8, 12, 12] (Qwen2-VL's [16, 24, 24] scaled to head_dim 64),
 * θ = 10 000 (short contexts). Vision: Qwen2-VL tower with 2 blocks of width 128, 4 heads, MLP
 * 512, 14-px patches, temporal patch 2, 2×2 merge to 256. Tokens: glimpse's byte-level tokenizer
 * (src/policy/tokenizer), special tokens at ids 1000–1013.
 */
export function glimpseTinyConfig(): QwenVLConfig {
  return {
    modelType: 'qwen2_vl',
    text: {
      vocabSize: TINY_VOCAB_SIZE,
      hiddenSize: 256,
      intermediateSize: 768,
      numHiddenLayers: 4,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 64,
      hiddenAct: 'silu',
      rmsNormEps: 1e-6,
      ropeTheta: 10_000,
      mropeSection: [8, 12, 12],
      maxPositionEmbeddings: 4096,
      tieWordEmbeddings: true,
    },
    vision: {
      depth: 2,
      embedDim: 128,
      numHeads: 4,
      mlpDim: 512,
      hiddenAct: 'quick_gelu',
      norm: 'layernorm',
      mlp: 'mlp',
      inChannels: 3,
      patchSize: 14,
      temporalPatchSize: 2,
      spatialMergeSize: 2,
      outHiddenSize: 256,
      windowSize: null,
      fullattBlockIndexes: [],
      tokensPerSecond: null,
    },
    tokens: {
      imageTokenId: specialId('<|image_pad|>'),
      videoTokenId: specialId('<|video_pad|>'),
      visionStartTokenId: specialId('<|vision_start|>'),
      visionEndTokenId: specialId('<|vision_end|>'),
      bosTokenId: specialId('<|endoftext|>'),
      eosTokenIds: [specialId('<|im_end|>')],
      padTokenId: null,
    },
  };
}

const PRESETS: Record<string, () => QwenVLConfig> = { 'glimpse-tiny': glimpseTinyConfig };

/** Names of the built-in model presets. */
export function modelPresetNames(): string[] {
  return Object.keys(PRESETS);
}

/** A built-in preset by name (`GlimpseError('unknown_name')` listing the known ones). */
export function modelPreset(name: string): QwenVLConfig {
  const make = PRESETS[name];
  if (!make) throw new GlimpseError('unknown_name', `unknown model preset "${name}"; known: ${modelPresetNames().join(', ')}`);
  return make();
}

/**
 * Parameter count of a config (embedding, decoder, vision tower and merger; the LM head only when
 * untied), following the tensor shapes of transformers' Qwen2-VL / Qwen2.5-VL modules.
 */
export function countParameters(cfg: QwenVLConfig): { text: number; vision: number; total: number } {
  const t = cfg.text;
  const v = cfg.vision;
  const d = t.hiddenSize;
  const qDim = t.numAttentionHeads * t.headDim;
  const kvDim = t.numKeyValueHeads * t.headDim;
  const attn = d * qDim + qDim + 2 * (d * kvDim + kvDim) + qDim * d; // q/k/v with bias, o without
  const mlp = 3 * d * t.intermediateSize;
  const layer = attn + mlp + 2 * d;
  const text = t.vocabSize * d * (t.tieWordEmbeddings ? 1 : 2) + t.numHiddenLayers * layer + d;
  const e = v.embedDim;
  const patch = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize * e;
  const norms = v.norm === 'layernorm' ? 4 * e : 2 * e;
  const vAttn = e * 3 * e + 3 * e + e * e + e;
  const vMlp = v.mlp === 'gated' ? 3 * e * v.mlpDim + 2 * v.mlpDim + e : 2 * e * v.mlpDim + v.mlpDim + e;
  const m2 = e * v.spatialMergeSize ** 2;
  const merger = (v.norm === 'layernorm' ? 2 * e : e) + m2 * m2 + m2 + m2 * v.outHiddenSize + v.outHiddenSize;
  const vision = patch + v.depth * (norms + vAttn + vMlp) + merger;
  return { text, vision, total: text + vision };
}
