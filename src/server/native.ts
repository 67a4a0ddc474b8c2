/**
 * glimpse's native batch API:
 *
 *   POST /v1/rewards {"pipeline"?: name, "items": [{"id"?, "completion", "sample", "coords"?}], "details"?: bool}
 *   ->   {"pipeline": name, "results": [{"id"?, "reward", "components": {...}, "reasons": {...}, "details"?}]}
 *
 * `pipeline` defaults to the server's `--default`; `details: true` adds each reward's details
 * (matched boxes, parsed values). Items follow the JSONL record of `glimpse reward`.
 */
import type { RewardInput } from '../../rewards/types.js';
import { kindOf, parseItem } from './record.js';
import { RequestError, finiteOr0, pickPipeline, scoreGrouped, type JobResult, type ScoreContext } from './protocol.js';

const KEYS = new Set(['pipeline', 'items', 'details']);
/** Bad items listed in one 400 message, at most. */
const MAX_LISTED = 5;

/** POST /v1/rewards. */
export async function handleNative(body: unknown, ctx: ScoreContext): Promise<JobResult> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError(400, 'bad_request', `the body must be a JSON object {"pipeline"?, "items": [...]}, got ${kindOf(body)}`);
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!KEYS.has(k)) throw new RequestError(400, 'bad_request', `unknown field "${k.slice(0, 40)}" (fields: pipeline, items, details)`);
  }
  if (!Array.isArray(b.items)) throw new RequestError(400, 'bad_request', `"items" must be an array of {completion, sample, coords?}, got ${kindOf(b.items)}`);
  if (b.details !== undefined && typeof b.details !== 'boolean') throw new RequestError(400, 'bad_request', `"details" must be true or false, got ${kindOf(b.details)}`);
  const pipeline = pickPipeline(ctx, b.pipeline, '"pipeline"');
  const raw = b.items as unknown[];
  const inputs: RewardInput[] = new Array(raw.length);
  const ids: Array<string | undefined> = new Array(raw.length);
  const bad: string[] = [];
  let badCount = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = parseItem(raw[i]);
    if (r.ok) {
      inputs[i] = r.input;
      ids[i] = r.id;
    } else if (++badCount <= MAX_LISTED) bad.push(`items[${i}]: ${r.error}`);
  }
  if (badCount > 0) {
    throw new RequestError(400, 'bad_request', `${badCount} bad item${badCount > 1 ? 's' : ''}: ${bad.join(' | ')}${badCount > MAX_LISTED ? ' | ...' : ''}`);
  }
  const { items, scored } = await scoreGrouped(ctx, new Array<string>(raw.length).fill(pipeline), inputs);
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const id = ids[i];
    parts[i] =
      `{${id !== undefined ? `"id":${JSON.stringify(id)},` : ''}"reward":${finiteOr0(it.reward)},"components":${JSON.stringify(it.components ?? {})},"reasons":${JSON.stringify(it.reasons ?? {})}` +
      `${b.details === true && it.details ? `,"details":${JSON.stringify(it.details)}` : ''}}`;
  }
  return { status: 200, body: `{"pipeline":${JSON.stringify(pipeline)},"results":[${parts.join(',')}]}`, scored };
}
