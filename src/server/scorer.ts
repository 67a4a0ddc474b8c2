/**
 * The seam between the HTTP machinery and the reward pipelines. Worker threads (and the main
 * thread, once, to validate) import a *scorer module*: a module whose `createScorer(sources)`
 * compiles the pipeline files into a {@link Scorer}. The default module is
 * `./pipeline-scorer.js` (glimpse's reward pipelines, rewards/compose.ts); tests inject a
 * stand-in module through `ServeOptions.scorerModule`.
 *
 * @example
 *   // a stand-in scorer module
 *   export function createScorer(sources: PipelineSource[]): Scorer {
 *     const names = sources.map((s) => s.name);
 *     return {
 *       names,
 *       isAsync: () => false,
 *       score: (_name, inputs) => inputs.map((i) => ({ reward: i.completion.length, components: {}, reasons: {} })),
 *     };
 *   }
 */
import type { RewardInput, ScoredItem } from '../../rewards/types.js';

/** One pipeline file, read but not yet compiled. */
export interface PipelineSource {
  /** The pipeline's name: the file name without its extension. */
  name: string;
  /** Absolute path of the file (for error messages). */
  file: string;
  /** The parsed YAML/JSON content. */
  spec: unknown;
}

export interface Scorer {
  /** Names of the compiled pipelines, sorted. */
  readonly names: readonly string[];
  /**
   * Scores `inputs` with pipeline `name` (one of `names`), one ScoredItem per input, in order.
   * Throwing (or rejecting) is a server fault: the request gets 500.
   */
  score(name: string, inputs: RewardInput[]): ScoredItem[] | Promise<ScoredItem[]>;
  /** The pipeline's spec as compiled (for GET /v1/pipelines). */
  describe?(name: string): unknown;
}

/** What a scorer module exports. Throws GlimpseError('bad_config') naming the file on a bad pipeline. */
export type CreateScorer = (sources: PipelineSource[]) => Scorer | Promise<Scorer>;

/** The default scorer module: glimpse's reward pipelines. */
export const DEFAULT_SCORER_MODULE = new URL('./pipeline-scorer.js', import.meta.url).href;

/**
 * Imports a scorer module by URL. From TypeScript sources the default module's `.js` URL is
 * swapped for its `.ts` twin (the same rule as spawnWorker).
 */
export async function importScorer(moduleUrl: string): Promise<CreateScorer> {
  const url = import.meta.url.endsWith('.ts') && moduleUrl.startsWith('file:') ? tsTwin(moduleUrl) : moduleUrl;
  const mod = (await import(url)) as { createScorer?: unknown };
  if (typeof mod.createScorer !== 'function') throw new Error(`scorer module ${moduleUrl} does not export createScorer()`);
  return mod.createScorer as CreateScorer;
}

function tsTwin(url: string): string {
  return url.replace(/\.js$/, '.ts');
}
