/**
 * The reward contract. A reward is a pure function of a completion and its sample:
 *
 *   (input: { completion, sample, prepared?, coords? }, params) => { score, reason?, details? }
 *
 * - `score` lies in the reward's declared `range`, or is `null` when the reward does not apply to
 *   this sample (no ground truth of its kind); `null` is left out of weighted sums.
 * - A reward NEVER throws on model output: malformed text yields a score in range plus a reason.
 * - Each reward registers its name (`family.name`), params schema (zod, with defaults), range and
 *   the paper it comes from (see registry.ts).
 *
 * @example
 *   registerReward({
 *     name: 'accuracy.choice',
 *     description: '1 when the chosen option letter equals answer.choice',
 *     range: [0, 1],
 *     params: z.object({}),
 *     score: ({ completion, sample }) => ...,
 *   });
 */
import type { z } from 'zod';
import type { Sample } from '../data/schema.js';
import type { CoordinateMap } from '../modalities/coords.js';
import type { PreparedMedia } from '../modalities/types.js';

export interface RewardInput {
  /** The model's text (the response only, without the prompt). */
  completion: string;
  sample: Sample;
  /** Present in training: what the adapter gave the model. */
  prepared?: PreparedMedia;
  /** The map from the model's answer space to original units; else `prepared.coords`; else identity. */
  coords?: CoordinateMap;
  /**
   * The completions of the same prompt (a GRPO group), for group-relative rewards such as
   * `shaping.length_bonus`; `index` is this completion's position in `completions`.
   */
  group?: { completions: readonly string[]; index: number };
}

export interface RewardResult {
  score: number | null;
  reason?: string;
  details?: Record<string, unknown>;
}

/** Services for rewards that need a model (CLIP/SigLIP/DINO); absent for pure rewards. */
export interface RewardContext {
  /** Named services (embedding models, renderers), looked up by the reward. */
  services?: Record<string, unknown>;
}

export interface RewardDefinition<P = unknown> {
  /** `family.name`, e.g. `geometry.iou`. */
  name: string;
  description: string;
  /** Citation of the paper/code the formula comes from. */
  paper?: string;
  /** Inclusive [min, max] of non-null scores (after params; the max may depend on params). */
  range: [number, number];
  /** Params schema with defaults; unknown keys are an error. */
  params: z.ZodType<P>;
  /** True when `score` returns a Promise (model-based rewards). */
  async?: boolean;
  score(input: RewardInput, params: P, ctx?: RewardContext): RewardResult | Promise<RewardResult>;
  /**
   * Ground-truth fields of `sample.answer` this reward reads (e.g. `['bbox', 'boxes']`). When
   * given, the reward returns `null` whenever none of them is present; the conformance suite
   * checks it. Leave it out for rewards that apply to every sample (format, length).
   */
  needs?: readonly string[];
  /**
   * Optional fast path: called ONCE per pipeline entry with the parsed params, returns the scorer
   * for that entry (precompiled regexes, resolved options). Must give the same results as `score`.
   */
  compile?(params: P): (input: RewardInput, ctx?: RewardContext) => RewardResult | Promise<RewardResult>;
  /** Worked examples: the conformance suite scores each and checks `score` (when given). */
  examples?: RewardExample[];
}

/** A worked example of a reward (documentation that is also a test). */
export interface RewardExample {
  completion: string;
  answer: Record<string, unknown>;
  params?: Record<string, unknown>;
  /** Expected score (compared to 1e-6), or null; leave out to only check range and determinism. */
  score?: number | null;
  note?: string;
}

/** One entry of a pipeline file. */
export interface PipelineEntrySpec {
  name: string;
  weight?: number;
  params?: Record<string, unknown>;
  /** Component key in outputs; defaults to `name` (set it to use one reward twice). */
  as?: string;
  /** Shaping of this component's score before weighting (e.g. centre then log-sigmoid); see compose.ts. */
  shaping?: Array<Record<string, unknown>>;
}

/** A pipeline as declared in YAML/JSON (`rewards.yaml`). */
export interface PipelineSpec {
  rewards: PipelineEntrySpec[];
  /** Component key(s): the total is 0 unless each gate component's score is > 0 (e.g. format). */
  gate?: string | string[];
  /** Optional shaping of the total (see compose.ts). */
  shaping?: Record<string, unknown> | Array<Record<string, unknown>>;
  /** Pipeline name (defaults to the file name). */
  name?: string;
}

/** What a pipeline returns for one completion. */
export interface ScoredItem {
  /** Weighted total after gates and shaping. */
  reward: number;
  /** Per component: score or null (does not apply). */
  components: Record<string, number | null>;
  /** Per component: reason text, where a reward gave one. */
  reasons: Record<string, string>;
  details?: Record<string, Record<string, unknown> | undefined>;
  /** Weighted sum of the (shaped) non-null components, before the gate and total shaping. */
  raw?: number;
  /** True when a gate component was not > 0, so the raw total was replaced by 0. */
  gated?: boolean;
}
