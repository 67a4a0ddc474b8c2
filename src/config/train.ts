/**
 * The training configuration, as a schema: types are inferred from it, every field is described,
 * defaults cite their source, and cross-field rules are checked once, at load, with messages a
 * user can act on (TRL GRPOConfig / zod style).
 *
 * @example  YAML
 *   task: grounding
 *   steps: 60
 *   rollout: { prompts_per_step: 4, group_size: 8, max_new_tokens: 48 }
 *   algorithm: { advantage: grpo, clip_low: 0.2, clip_high: 0.28 }
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GlimpseError } from '../util/errors.js';
import { formatZodError } from '../../data/schema.js';

const d = <T extends z.ZodTypeAny>(schema: T, text: string) => schema.describe(text);

export const RolloutSchema = z
  .object({
    prompts_per_step: d(z.number().int().min(1).default(8), 'prompts sampled per optimisation step'),
    group_size: d(z.number().int().min(1).default(8), 'G: completions per prompt (GRPO groups; DeepSeekMath uses 64, CPU default 8)'),
    max_new_tokens: d(z.number().int().min(1).max(32768).default(40), 'longest completion, in tokens'),
    temperature: d(z.number().positive().max(10).default(1.0), 'sampling temperature for rollouts (1.0: on-policy logprobs)'),
    top_p: d(z.number().gt(0).max(1).default(1.0), 'nucleus sampling mass (1 = off)'),
    top_k: d(z.number().int().min(0).default(0), 'top-k sampling (0 = off)'),
  })
  .strict();

export const KlSchema = z
  .object({
    coef: d(z.number().min(0).default(0), 'β of the KL term; 0 turns the reference policy off (DAPO drops KL; GRPO used 0.04)'),
    estimator: d(z.enum(['k1', 'k2', 'k3']).default('k3'), 'KL estimator (Schulman 2020): k3 = exp(r) − r − 1 with r = ref − logp'),
    mode: d(z.enum(['loss', 'reward']).default('loss'), 'KL as a loss term (GRPO) or as a per-token reward penalty (PPO/RLHF)'),
  })
  .strict();

export const AlgorithmSchema = z
  .object({
    advantage: d(z.string().default('grpo'), 'advantage estimator: grpo | dr_grpo | rloo | reinforce_pp'),
    clip_low: d(z.number().min(0).max(1).default(0.2), 'ε_low of the clipped surrogate (PPO 0.2)'),
    clip_high: d(z.number().min(0).max(10).default(0.28), 'ε_high (DAPO clip-higher: 0.28)'),
    dual_clip: d(z.number().gt(1).nullable().default(null), 'dual-clip constant c for negative advantages (Ye et al. 2020: 3); null = off'),
    ratio_level: d(z.enum(['token', 'sequence']).default('token'), 'importance ratio per token (PPO/GRPO) or per sequence (GSPO)'),
    loss_agg: d(
      z.enum(['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum-norm']).default('token-mean'),
      'loss aggregation: token-mean (DAPO), seq-mean-token-mean (original GRPO), seq-mean-token-sum-norm (Dr. GRPO)',
    ),
    kl: d(KlSchema.default(KlSchema.parse({})), 'KL to the reference policy'),
    entropy_coef: d(z.number().min(0).default(0), 'entropy bonus coefficient'),
    epochs: d(z.number().int().min(1).max(16).default(1), 'optimisation epochs per rollout batch (μ in GRPO); >1 uses old logprobs'),
    dynamic_sampling: d(z.boolean().default(false), 'DAPO: drop groups whose rewards are all equal and refill the batch'),
    dynamic_sampling_retries: d(z.number().int().min(0).max(20).default(3), 'refill attempts before training on a short batch'),
    difficulty_weighting: d(z.boolean().default(false), 'Observe-R1: scale group advantages by 4σ·d(1−d)'),
  })
  .strict();

export const OptimSchema = z
  .object({
    lr: d(z.number().positive().max(1).default(1e-4), 'peak learning rate of GRPO (AdamW)'),
    weight_decay: d(z.number().min(0).default(0), 'decoupled weight decay (Loshchilov & Hutter 2019)'),
    beta1: d(z.number().min(0).lt(1).default(0.9), 'Adam β1'),
    beta2: d(z.number().min(0).lt(1).default(0.999), 'Adam β2'),
    eps: d(z.number().positive().default(1e-8), 'Adam ε'),
    max_grad_norm: d(z.number().positive().nullable().default(1.0), 'global-norm gradient clipping; null = off'),
    warmup_steps: d(z.number().int().min(0).default(0), 'linear warmup steps'),
    schedule: d(z.enum(['constant', 'cosine']).default('constant'), 'learning-rate schedule after warmup'),
  })
  .strict();

export const LoraSchema = z
  .object({
    enabled: d(z.boolean().default(false), 'train LoRA adapters instead of the full weights'),
    rank: d(z.number().int().min(1).max(1024).default(8), 'LoRA rank r'),
    alpha: d(z.number().positive().default(16), 'LoRA α (scale α/r; Hu et al. 2021)'),
    targets: d(z.array(z.string()).default(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']), 'module name patterns to adapt'),
    train_vision: d(z.boolean().default(false), 'also adapt the vision tower (frozen by default)'),
  })
  .strict();

export const SftSchema = z
  .object({
    steps: d(z.number().int().min(0).default(700), 'supervised warm-up steps before GRPO when the model has no warm checkpoint, at most (the stopping rule may end it sooner; 0 = skip)'),
    batch_size: d(z.number().int().min(1).default(16), 'sequences per SFT step'),
    lr: d(z.number().positive().max(1).default(2e-3), 'peak SFT learning rate (AdamW, cosine decay)'),
    warmup_steps: d(z.number().int().min(0).default(20), 'linear warmup steps of SFT'),
    weight_decay: d(z.number().min(0).default(0), 'decoupled weight decay of SFT (AdamW)'),
    stop_at: d(
      z.number().min(0).max(1).nullable().default(0.3),
      'end the warm start early once acc@0.5 on validation prompts (held apart from the training prompts) reaches this, so GRPO starts from a model that has begun to localise; null = always run sft.steps; tasks without boxes ignore it',
    ),
    check_every: d(z.number().int().min(1).default(40), 'SFT steps between checks of the stopping rule'),
    val_samples: d(z.number().int().min(1).default(32), 'validation prompts of the stopping rule (the last ones of the training split, kept out of SFT batches)'),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    task: d(z.string().default('grounding'), 'synthetic task name (see `glimpse train --help`), used when `data` is not given'),
    task_options: d(z.record(z.string(), z.unknown()).default({}), 'options of the synthetic task generator (e.g. grounding: canvas, minShapes, maxShapes, background)'),
    data: d(
      z.object({ train: z.string(), test: z.string().optional() }).strict().optional(),
      'JSONL datasets of Samples instead of a synthetic task',
    ),
    pipeline: d(z.string().optional(), 'reward pipeline file (YAML/JSON); default: the task\'s own'),
    model: d(z.string().default('glimpse-tiny'), 'model folder (Hugging Face layout) or preset name'),
    out: d(z.string().default('runs/latest'), 'output folder: checkpoints, metrics.jsonl, report'),
    seed: d(z.number().int().default(0), 'seed of data order, sampling and initialisation'),
    steps: d(z.number().int().min(1).default(160), 'GRPO optimisation steps'),
    rollout: d(RolloutSchema.default(RolloutSchema.parse({})), 'rollout sampling (G completions per prompt)'),
    algorithm: d(AlgorithmSchema.default(AlgorithmSchema.parse({})), 'advantages, clipped surrogate, KL, loss aggregation'),
    optim: d(OptimSchema.default(OptimSchema.parse({})), 'AdamW and learning-rate schedule'),
    lora: d(LoraSchema.default(LoraSchema.parse({})), 'LoRA adapters (Hu et al. 2021)'),
    freeze_vision: d(z.boolean().default(true), 'keep the vision tower and merger fixed during full fine-tuning, SFT and GRPO (VLM-R1 and EasyR1 freeze the vision tower by default; for glimpse-tiny it also stops the tower from collapsing to a constant while the decoder learns the format); LoRA has its own train_vision'),
    sft: d(SftSchema.default(SftSchema.parse({})), 'supervised warm start (glimpse sft) run first for a randomly initialised preset'),
    train_size: d(z.number().int().min(1).default(3000), 'synthetic training samples generated'),
    test_size: d(z.number().int().min(1).default(128), 'synthetic held-out samples generated'),
    micro_batch: d(z.number().int().min(1).default(16), 'sequences per graph run (memory bound); gradients accumulate over micro-batches'),
    max_padding_waste: d(
      z.number().min(0).lt(1).default(0.1),
      'largest share of padded token slots in one GRPO micro-batch (sequences are grouped by length; a micro-batch closes before it would pad more)',
    ),
    eval_every: d(z.number().int().min(0).default(0), 'held-out evaluation every N steps (0 = only at start and end)'),
    eval_samples: d(z.number().int().min(1).default(128), 'held-out samples per evaluation'),
    eval_sampled: d(
      z.number().int().min(0).max(64).default(0),
      'k: also score k completions per held-out prompt sampled at the rollout temperature, reported as sampled/<metric> (DeepSeek-R1\'s pass@1 protocol); 0 = greedy only',
    ),
    reward_workers: d(z.number().int().min(0).max(64).default(2), 'worker threads that score rollouts (0 = in the trainer\'s thread)'),
    reward_timeout_s: d(z.number().positive().default(120), 'seconds one worker may spend on its share of a step\'s completions; past it they score 0 and the worker is replaced'),
    checkpoint_every: d(z.number().int().min(1).default(10), 'checkpoint every N steps'),
    threads: d(z.number().int().min(0).default(0), 'CPU threads for the graph runtime (0 = all cores)'),
    device: d(z.enum(['cpu', 'cuda']).default('cpu'), 'execution provider'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const a = c.algorithm;
    if (a.advantage !== 'dr_grpo' && a.advantage !== 'reinforce_pp' && c.rollout.group_size < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollout', 'group_size'],
        message: `advantage "${a.advantage}" compares rollouts within a group, so group_size must be ≥ 2 (got ${c.rollout.group_size})`,
      });
    }
    if (a.dynamic_sampling && c.rollout.group_size < 2) {
      ctx.addIssue({ code: 'custom', path: ['algorithm', 'dynamic_sampling'], message: 'dynamic sampling needs group_size ≥ 2' });
    }
    if (a.kl.mode === 'reward' && a.kl.estimator !== 'k1') {
      ctx.addIssue({
        code: 'custom',
        path: ['algorithm', 'kl', 'estimator'],
        message: `KL as a reward penalty uses the k1 estimator (got ${a.kl.estimator}); set estimator: k1 or mode: loss`,
      });
    }
    if (c.optim.warmup_steps > c.steps) {
      ctx.addIssue({ code: 'custom', path: ['optim', 'warmup_steps'], message: `warmup_steps (${c.optim.warmup_steps}) exceeds steps (${c.steps})` });
    }
  });

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/** Validates a config object; a GlimpseError('bad_config') lists every problem with its path. */
export function parseTrainConfig(value: unknown, source = 'config'): TrainConfig {
  const r = TrainConfigSchema.safeParse(value ?? {});
  if (!r.success) throw new GlimpseError('bad_config', `${source}: ${formatZodError(r.error)}`);
  return r.data;
}

/** Reads a YAML or JSON config file, then applies `overrides` (e.g. from CLI flags) on top. */
export async function loadTrainConfig(path: string | undefined, overrides: Record<string, unknown> = {}): Promise<TrainConfig> {
  let base: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new GlimpseError('not_found', `${path}: cannot read config (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const v = parseYaml(text) as unknown;
      base = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
      if (v !== null && v !== undefined && (typeof v !== 'object' || Array.isArray(v))) throw new Error('the top level must be a mapping');
    } catch (e) {
      throw new GlimpseError('bad_config', `${path}: not valid YAML/JSON (${(e as Error).message.split('\n')[0]})`);
    }
  }
  return parseTrainConfig(deepMerge(base, overrides), path ?? 'config');
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
