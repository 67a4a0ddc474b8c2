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
}

/** One entry of a pipeline file. */
export interface PipelineEntrySpec {
  name: string;
  weight?: number;
  params?: Record<string, unknown>;
  /** Component key in outputs; defaults to `name` (set it to use one reward twice). */
  as?: string;
}

/** A pipeline as declared in YAML/JSON (`rewards.yaml`). */
export interface PipelineSpec {
  rewards: PipelineEntrySpec[];
  /** Component key: the total is 0 unless this component's score is > 0 (e.g. format). */
  gate?: string;
  /** Optional shaping of the total (see compose.ts). */
  shaping?: Record<string, unknown> | Array<Record<string, unknown>>;
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
}
