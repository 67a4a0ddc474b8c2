/**
 * Rollout rewards scored in worker threads: the trainer hands each step's completions to the
 * reward server's pool (src/server/pool.ts, src/server/worker.ts) in one job per worker, so
 * render-based rewards (SVG, charts) use every core while the policy waits, and a reward that
 * hangs or crashes its worker costs that chunk its rewards (0, with the reason) — never the run.
 *
 * `workers: 0` scores in the trainer's own thread (the same pipeline, the same numbers).
 */
import type { Pipeline } from '../../rewards/compose.js';
import type { RewardInput, ScoredItem } from '../../rewards/types.js';
import { WorkerPool } from '../server/pool.js';
import { DEFAULT_SCORER_MODULE } from '../server/scorer.js';
import { describeError } from '../util/errors.js';
import { coordsRecordOf } from '../../modalities/coords.js';

/** The pipeline's name inside the workers. */
const NAME = 'task';

export interface RolloutScorerOptions {
  /** Worker threads (0: score in this thread). */
  workers: number;
  /** Seconds a chunk may take before its worker is abandoned and its items score 0. */
  timeoutS: number;
  /** Where the pipeline came from, for error messages. */
  source: string;
  /** The module the workers score with (default: glimpse's reward pipelines; tests inject stand-ins). */
  scorerModule?: string;
  /** Warnings (a chunk that failed). */
  log?: (line: string) => void;
}

interface ResultRow {
  reward: number;
  components: Record<string, number | null>;
  reasons: Record<string, string>;
}

export class RolloutScorer {
  private constructor(
    private readonly pipeline: Pipeline,
    private readonly o: RolloutScorerOptions,
    private readonly pool?: WorkerPool,
  ) {}

  /** Starts the workers (each compiles the pipeline; a bad pipeline rejects here, naming the source). */
  static async create(pipeline: Pipeline, o: RolloutScorerOptions): Promise<RolloutScorer> {
    if (!(Number.isInteger(o.workers) && o.workers >= 0)) throw new RangeError(`reward workers must be an integer ≥ 0, got ${o.workers}`);
    if (o.workers === 0) return new RolloutScorer(pipeline, o);
    const pool = new WorkerPool({
      size: o.workers,
      init: () => ({ scorerModule: o.scorerModule ?? DEFAULT_SCORER_MODULE, pipelines: [{ name: NAME, file: o.source, spec: pipeline.spec }], defaultPipeline: NAME }),
      stuckGraceMs: 2000,
      log: (line) => o.log?.(`reward workers: ${line}`),
    });
    await pool.start();
    return new RolloutScorer(pipeline, o, pool);
  }

  get workers(): number {
    return this.pool?.size ?? 0;
  }

  /** Scores every input, in order. Never throws for what a completion contains. */
  async score(inputs: readonly RewardInput[]): Promise<ScoredItem[]> {
    const pool = this.pool;
    if (!pool) return Promise.all(inputs.map((i) => this.pipeline.score(i)));
    const chunk = Math.ceil(inputs.length / pool.size);
    const parts: Array<Promise<ScoredItem[]>> = [];
    for (let b = 0; b < inputs.length; b += chunk) parts.push(this.scoreChunk(pool, inputs.slice(b, b + chunk)));
    return (await Promise.all(parts)).flat();
  }

  private async scoreChunk(pool: WorkerPool, inputs: readonly RewardInput[]): Promise<ScoredItem[]> {
    const items = inputs.map((i) => ({ completion: i.completion, sample: i.sample, ...(i.coords ? { coords: coordsRecordOf(i.coords) } : {}) }));
    const body = new TextEncoder().encode(JSON.stringify({ pipeline: NAME, items }));
    try {
      const r = await pool.run('rewards', body, Date.now() + this.o.timeoutS * 1000).result;
      if (r.status !== 200) throw new Error(`status ${r.status}: ${r.body.slice(0, 300)}`);
      const rows = (JSON.parse(r.body) as { results: ResultRow[] }).results;
      if (rows.length !== inputs.length) throw new Error(`${rows.length} results for ${inputs.length} items`);
      return rows.map((x) => ({ reward: x.reward, components: x.components, reasons: x.reasons }));
    } catch (e) {
      const why = `reward scoring failed: ${describeError(e)}`;
      this.o.log?.(`glimpse: ${why} (${inputs.length} completions score 0)`);
      return inputs.map(() => ({ reward: 0, components: {}, reasons: { pipeline: why } }));
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
