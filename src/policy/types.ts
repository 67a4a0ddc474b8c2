/**
 * The policy contract (DESIGN.md "Policy"): every policy samples completions with per-token
 * log-probabilities; trainable policies also run forward + objective + backward in one graph run
 * (`accumulate`), step their optimiser, and save/load themselves.
 *
 * @example
 *   const policy = await QwenVLPolicy.fromPreset('glimpse-tiny');
 *   const rollouts = await policy.generate([{ text: 'Find the red square.', images: [img] }], { n: 8, maxNewTokens: 48, seed: 1 });
 */
import type { RgbImage } from '../../modalities/types.js';

export interface PolicyPrompt {
  /** The user's text (the policy applies its chat template). */
  text: string;
  /** Images of the prompt, original size (the policy resizes them for its vision tower). */
  images?: RgbImage[];
}

export interface SamplingParams {
  /** Completions per prompt (default 1). */
  n?: number;
  /** Softmax temperature; 0 = greedy (default 1). */
  temperature?: number;
  /** Nucleus mass (default 1 = off). */
  topP?: number;
  /** Keep the k most likely tokens (default 0 = off). */
  topK?: number;
  maxNewTokens?: number;
  /** Stop strings: generation ends after the token that completes one (kept in the text). */
  stop?: string[];
  seed?: number;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface Rollout {
  /** Index of the prompt in the `generate` call. */
  prompt: number;
  /** Decoded completion (without the EOS token). */
  text: string;
  /** Completion token ids (EOS included when generation ended on it). */
  tokens: number[];
  /** `log π(token | prefix)` of each token under the full distribution at the sampling temperature. */
  logprobs: Float32Array;
  finish: FinishReason;
}

export interface Policy {
  readonly name: string;
  generate(prompts: readonly PolicyPrompt[], sampling?: SamplingParams): Promise<Rollout[]>;
}
