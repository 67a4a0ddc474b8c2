/**
 * What a worker does with one request body: decode, parse, validate, score, serialise. Pure
 * apart from the scorer, so it is tested without threads or sockets. The HTTP routes map to
 * {@link handleJob}'s `route`: `get_reward` (OpenRLHF, ./openrlhf.ts) and `rewards` (glimpse's
 * native batch API, ./native.ts).
 */
import type { RewardInput, ScoredItem } from '../../rewards/types.js';
import { describeError } from '../util/errors.js';
import type { Scorer } from './scorer.js';
import { handleOpenRlhf } from './openrlhf.js';
import { handleNative } from './native.js';

export type JobRoute = 'get_reward' | 'rewards';

export interface ScoreContext {
  scorer: Scorer;
  /** The pipeline for requests that name none. */
  defaultPipeline?: string;
}

/** A response computed by a worker. `reason` is set on errors (the metrics label). */
export interface JobResult {
  status: number;
  /** The JSON response body. */
  body: string;
  /** Items scored, by pipeline. */
  scored?: Record<string, number>;
  reason?: string;
}

/** A request the client got wrong (4xx) or a fault of ours (5xx), with the metrics reason. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** `{"error": {"code": reason, "message": message}}` */
export function errorBody(reason: string, message: string): string {
  return JSON.stringify({ error: { code: reason, message } });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 and parses JSON; RequestError(400) saying what is wrong. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new RequestError(400, 'bad_json', 'the request body is empty; send a JSON object');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new RequestError(400, 'bad_json', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new RequestError(400, 'bad_json', `the request body is not valid JSON: ${describeError(e).slice(0, 200)}`);
  }
}

/** The pipeline to use: `name` when given (must exist), else the default; RequestError otherwise. */
export function pickPipeline(ctx: ScoreContext, name: unknown, where: string): string {
  const names = ctx.scorer.names;
  if (name === undefined || name === null) {
    if (ctx.defaultPipeline !== undefined) return ctx.defaultPipeline;
    throw new RequestError(400, 'no_pipeline', `${where}: no pipeline named and the server has no --default; pipelines: ${names.join(', ')}`);
  }
  if (typeof name !== 'string') throw new RequestError(400, 'bad_request', `${where}: must be a string, got ${typeof name}`);
  if (!names.includes(name)) {
    throw new RequestError(404, 'unknown_pipeline', `${where}: unknown pipeline "${name.slice(0, 100)}"; pipelines: ${names.join(', ')}`);
  }
  return name;
}

/**
 * Scores items that may use different pipelines: one scorer call per pipeline, results back in
 * input order. A scorer that throws or returns the wrong count is a 500.
 */
export async function scoreGrouped(ctx: ScoreContext, pipelines: string[], inputs: RewardInput[]): Promise<{ items: ScoredItem[]; scored: Record<string, number> }> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < pipelines.length; i++) {
    const p = pipelines[i]!;
    let g = groups.get(p);
    if (!g) groups.set(p, (g = []));
    g.push(i);
  }
  const items = new Array<ScoredItem>(inputs.length);
  const scored: Record<string, number> = {};
  for (const [name, idx] of groups) {
    const batch = idx.length === inputs.length ? inputs : idx.map((i) => inputs[i]!);
    let out: ScoredItem[];
    try {
      out = await ctx.scorer.score(name, batch);
    } catch (e) {
      throw new RequestError(500, 'pipeline_error', `pipeline "${name}" failed: ${describeError(e).slice(0, 300)}`);
    }
    if (!Array.isArray(out) || out.length !== batch.length) {
      throw new RequestError(500, 'pipeline_error', `pipeline "${name}" returned ${Array.isArray(out) ? out.length : typeof out} results for ${batch.length} items`);
    }
    for (let k = 0; k < idx.length; k++) items[idx[k]!] = out[k]!;
    scored[name] = idx.length;
  }
  return { items, scored };
}

/** A finite number for JSON (NaN and ±Infinity have no JSON form): non-finite -> 0. */
export function finiteOr0(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}

/** Handles one request body for `route`; never throws (errors become 4xx/5xx results). */
export async function handleJob(route: JobRoute, bytes: Uint8Array, ctx: ScoreContext): Promise<JobResult> {
  try {
    const body = parseJsonBody(bytes);
    return route === 'get_reward' ? await handleOpenRlhf(body, ctx) : await handleNative(body, ctx);
  } catch (e) {
    if (e instanceof RequestError) return { status: e.status, body: errorBody(e.reason, e.message), reason: e.reason };
    return { status: 500, body: errorBody('internal', `internal error: ${describeError(e).slice(0, 300)}`), reason: 'internal' };
  }
}
