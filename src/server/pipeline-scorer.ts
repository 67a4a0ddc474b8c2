/**
 * The default scorer module of the reward server: glimpse's reward pipelines. Importing it
 * registers every built-in reward (rewards/index.js); `createScorer` compiles each pipeline file
 * with rewards/compose.ts (`compilePipeline`), which validates reward names and params.
 *
 * Synchronous pipelines score a batch in a plain loop (`scoreSync`); pipelines with a
 * model-based (async) reward score the batch concurrently (`score`).
 */
import '../../rewards/index.js';
import { compilePipeline, type Pipeline } from '../../rewards/compose.js';
import { GlimpseError, describeError, isGlimpseError } from '../util/errors.js';
import type { PipelineSource, Scorer } from './scorer.js';

/** Compiles every source; throws GlimpseError('bad_config') whose message starts with the file. */
export function createScorer(sources: PipelineSource[]): Scorer {
  const pipelines = new Map<string, Pipeline>();
  for (const s of sources) {
    try {
      pipelines.set(s.name, compilePipeline(s.spec, { name: s.name, source: s.file }));
    } catch (e) {
      const msg = describeError(e);
      const named = msg.includes(s.file) ? msg : `${s.file}: ${msg}`;
      throw new GlimpseError('bad_config', named, isGlimpseError(e) ? e.hint : undefined);
    }
  }
  return {
    names: [...pipelines.keys()].sort(),
    describe: (name) => pipelines.get(name)?.spec,
    score(name, inputs) {
      const p = pipelines.get(name);
      if (!p) throw new Error(`no pipeline "${name}"`);
      if (!p.isAsync) {
        const out = new Array(inputs.length);
        for (let i = 0; i < inputs.length; i++) out[i] = p.scoreSync(inputs[i]!);
        return out;
      }
      return Promise.all(inputs.map((i) => p.score(i)));
    },
  };
}
