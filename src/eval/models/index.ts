/**
 * Model backends for `glimpse eval --model <spec>`, resolved by the spec's form:
 *
 * - `openai:<base-url>#<model>` — an OpenAI-compatible chat endpoint (./openai.ts);
 * - `oracle` — answers with the ground truth (pipeline check);
 * - `--predictions file.jsonl` — scores pre-computed completions (no `--model` needed);
 * - a local folder or a preset (`glimpse-tiny`) — a glimpse policy (./local.ts); another backend
 *   can take its place through {@link registerModelBackend}.
 */
import { existsSync } from 'node:fs';
import { GlimpseError } from '../../util/errors.js';
import type { EvalModel } from '../types.js';
import { createOpenAIModel, parseOpenAISpec } from './openai.js';
import { createOracleModel, createPredictionsModel } from './predictions.js';

export interface ModelOptions {
  /** Environment variable holding the API key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Environment to read keys from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Creates a policy model from a local folder (registered by the policy engine). */
export type LocalModelFactory = (path: string, options: ModelOptions) => Promise<EvalModel>;

let localBackend: LocalModelFactory | undefined;

/** The policy engine calls this to make `--model <folder>` work; a second call replaces the first. */
export function registerModelBackend(kind: 'local', factory: LocalModelFactory): void {
  if (kind !== 'local') throw new Error(`registerModelBackend: unknown kind "${String(kind)}"`);
  localBackend = factory;
}

/** Resolves `--model` / `--predictions` into a model. */
export async function resolveModel(spec: string | undefined, predictions: string | undefined, o: ModelOptions = {}): Promise<EvalModel> {
  if (predictions !== undefined) {
    if (spec !== undefined && spec !== 'predictions') {
      throw new GlimpseError('bad_config', `pass either --model or --predictions, not both (got --model ${spec})`);
    }
    return createPredictionsModel(predictions);
  }
  if (spec === undefined || spec === '') {
    throw new GlimpseError('bad_config', 'no model: pass --model openai:<base-url>#<model>, --model oracle, --model <policy folder> or --predictions <file.jsonl>');
  }
  if (spec === 'oracle') return createOracleModel();
  if (spec.startsWith('openai:')) {
    const { baseUrl, model } = parseOpenAISpec(spec);
    const env = o.env ?? process.env;
    const keyVar = o.apiKeyEnv ?? 'OPENAI_API_KEY';
    const apiKey = env[keyVar];
    if (o.apiKeyEnv !== undefined && (apiKey === undefined || apiKey === '')) {
      throw new GlimpseError('bad_config', `--api-key-env ${keyVar}: the environment variable ${keyVar} is not set`);
    }
    return createOpenAIModel({ baseUrl, model, ...(apiKey ? { apiKey } : {}), concurrency: o.concurrency, timeoutMs: o.timeoutMs, maxRetries: o.maxRetries });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new GlimpseError('bad_config', `--model ${spec}: for an HTTP endpoint write openai:${spec}#<model>`);
  }
  if (localBackend) return localBackend(spec, o);
  const { modelPresetNames } = await import('../../policy/model/config.js');
  if (!existsSync(spec) && !modelPresetNames().includes(spec)) {
    throw new GlimpseError('not_found', `--model ${spec}: no such model folder, and not a preset (${modelPresetNames().join(', ')})`,
      'use a glimpse/Hugging Face model folder, --model openai:<base-url>#<model> (vLLM, SGLang, llama.cpp, Ollama), --model oracle, or --predictions <file.jsonl>');
  }
  const { createLocalModel } = await import('./local.js');
  return createLocalModel(spec, o);
}
