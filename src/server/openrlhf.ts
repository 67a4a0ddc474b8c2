/**
 * OpenRLHF's remote reward protocol (`--remote_rm_url http://host:port/get_reward`):
 *
 *   POST {"query": [q...], "prompts": [p...], "labels": [l...]}
 *   ->   {"rewards": [r...], "scores": [s...], "extra_logs": {component: [v...]}}
 *
 * - `query[i]` is the decoded prompt + response; the completion scored is the query minus its
 *   prompt (see {@link completionFromQuery}).
 * - `labels[i]` (OpenRLHF's `--label_key` column) is either a JSON string
 *   `{"answer": {...}, "coords"?: {...}, "pipeline"?: name, "id"?, "task"?, "meta"?}` (the
 *   Sample vocabulary of data/schema.ts) or plain text, which means `answer: {text: label}`.
 *   An `answer` that is a string or a number means `{text}` / `{number}`. Missing labels mean no
 *   ground truth (`answer: {}`).
 * - `rewards[i]` is the pipeline's total; `scores[i]` is the total clamped to [0, 1] (OpenRLHF
 *   uses it for dynamic filtering); `extra_logs[c][i]` is component `c`'s score (0 where the
 *   component did not apply, or the item's pipeline lacks it), which OpenRLHF averages into its
 *   logs.
 */
import type { RewardInput } from '../../rewards/types.js';
import { parseItem, kindOf } from './record.js';
import { RequestError, finiteOr0, pickPipeline, scoreGrouped, type JobResult, type ScoreContext } from './protocol.js';

/** Special tokens that decoders leave at the end of a response; stripped from completions. */
const TRAILING_SPECIAL = ['<|im_end|>', '<|endoftext|>', '<|eot_id|>', '<|end_of_text|>', '<end_of_turn>', '</s>', '<eos>', '<|end|>'];
/** How much of a prompt's end is searched for when the whole prompt is not found verbatim. */
const TAIL = 64;

/** `s` without trailing whitespace and end-of-turn / padding tokens (in any number and order). */
function stripTrailingSpecial(s: string): string {
  let end = s.length;
  for (;;) {
    let e = end;
    while (e > 0 && /\s/.test(s[e - 1]!)) e--;
    const t = TRAILING_SPECIAL.find((tok) => e >= tok.length && s.startsWith(tok, e - tok.length));
    if (!t) return end === s.length ? s : s.slice(0, end);
    end = e - t.length;
  }
}

/**
 * The response inside `query`: the text after `prompt`. The prompt is looked for as a prefix,
 * then anywhere (left padding / BOS before it), then by its last 64 characters (a decoder that
 * normalised the prompt's start); when none match, the whole query is the completion. Trailing
 * end-of-turn / padding tokens (`<|im_end|>`, `<|endoftext|>`, `</s>`, ...) are removed, with the
 * whitespace between them.
 */
export function completionFromQuery(query: string, prompt: string | undefined): string {
  let out = query;
  if (prompt) {
    if (query.startsWith(prompt)) out = query.slice(prompt.length);
    else {
      const at = query.indexOf(prompt);
      if (at >= 0) out = query.slice(at + prompt.length);
      else if (prompt.length > TAIL) {
        const tail = prompt.slice(-TAIL);
        const t = query.lastIndexOf(tail);
        if (t >= 0) out = query.slice(t + TAIL);
      }
    }
  }
  return stripTrailingSpecial(out);
}

const LABEL_KEYS = new Set(['answer', 'coords', 'pipeline', 'id', 'task', 'meta']);

interface Label {
  answer: unknown;
  coords?: unknown;
  pipeline?: unknown;
  id?: unknown;
  task?: unknown;
  meta?: unknown;
}

/**
 * One label: an object (or a JSON string of one) with an `answer` key is structured; any other
 * string is plain text (`answer: {text}`); null/absent is no ground truth. Throws RequestError.
 */
export function parseLabel(label: unknown, i: number): Label {
  if (label === undefined || label === null) return { answer: {} };
  let obj: unknown = label;
  if (typeof label === 'string') {
    const t = label.trimStart();
    obj = undefined;
    if (t.startsWith('{')) {
      try {
        obj = JSON.parse(label);
      } catch {
        obj = undefined;
      }
    }
    if (!isRecord(obj) || !('answer' in obj)) return { answer: { text: label } };
  }
  if (!isRecord(obj)) throw new RequestError(400, 'bad_request', `labels[${i}]: must be a string (JSON or plain text) or null, got ${kindOf(label)}`);
  if (!('answer' in obj)) throw new RequestError(400, 'bad_request', `labels[${i}]: a label object needs "answer"`);
  for (const k of Object.keys(obj)) {
    if (!LABEL_KEYS.has(k)) throw new RequestError(400, 'bad_request', `labels[${i}]: unknown key "${k.slice(0, 40)}" (keys: ${[...LABEL_KEYS].join(', ')})`);
  }
  return obj as unknown as Label;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function stringArray(body: Record<string, unknown>, key: string, n: number | undefined, optional: boolean): Array<string | null> | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (optional) return undefined;
    throw new RequestError(400, 'bad_request', `"${key}" is missing: send {"query": [...], "prompts": [...], "labels": [...]}`);
  }
  if (!Array.isArray(v)) throw new RequestError(400, 'bad_request', `"${key}" must be an array, got ${kindOf(v)}`);
  if (n !== undefined && v.length !== n) throw new RequestError(400, 'bad_request', `"${key}" has ${v.length} entries but "query" has ${n}`);
  return v as Array<string | null>;
}

/** POST /get_reward. */
export async function handleOpenRlhf(body: unknown, ctx: ScoreContext): Promise<JobResult> {
  if (!isRecord(body)) throw new RequestError(400, 'bad_request', `the body must be a JSON object {"query": [...], "prompts": [...], "labels": [...]}, got ${kindOf(body)}`);
  const query = stringArray(body, 'query', undefined, false)!;
  const n = query.length;
  const prompts = stringArray(body, 'prompts', n, true);
  const labels = body.labels === undefined || body.labels === null ? undefined : stringArray(body, 'labels', n, true);
  const inputs: RewardInput[] = new Array(n);
  const pipelines: string[] = new Array(n);
  // GRPO sends G rollouts per prompt with one label: parse each (label, prompt) once
  const seen = new Map<string | null, Map<string, { input: RewardInput; pipeline: string }>>();
  for (let i = 0; i < n; i++) {
    const q = query[i];
    if (typeof q !== 'string') throw new RequestError(400, 'bad_request', `query[${i}]: must be a string, got ${kindOf(q)}`);
    const p = prompts?.[i];
    if (p !== undefined && p !== null && typeof p !== 'string') throw new RequestError(400, 'bad_request', `prompts[${i}]: must be a string, got ${kindOf(p)}`);
    const raw = labels?.[i];
    const cacheable = typeof raw === 'string' || raw === undefined || raw === null;
    let byPrompt = cacheable ? seen.get(raw ?? null) : undefined;
    let known = byPrompt?.get(p ?? '');
    if (!known) {
      const label = parseLabel(raw, i);
      const pipeline = pickPipeline(ctx, label.pipeline, `labels[${i}].pipeline`);
      const answer = typeof label.answer === 'string' ? { text: label.answer } : typeof label.answer === 'number' ? { number: label.answer } : label.answer;
      const sample: Record<string, unknown> = { id: label.id ?? `openrlhf-${i}`, prompt: p ?? '', answer };
      if (label.task !== undefined) sample.task = label.task;
      if (label.meta !== undefined) sample.meta = label.meta;
      const item = parseItem({ completion: '', sample, ...(label.coords != null ? { coords: label.coords } : {}) });
      if (!item.ok) throw new RequestError(400, 'bad_request', `labels[${i}]: ${item.error.replace(/^sample: /, '')}`);
      known = { input: item.input, pipeline };
      if (cacheable) {
        if (!byPrompt) seen.set(raw ?? null, (byPrompt = new Map()));
        byPrompt.set(p ?? '', known);
      }
    }
    pipelines[i] = known.pipeline;
    const input: RewardInput = { completion: completionFromQuery(q, p ?? undefined), sample: known.input.sample };
    if (known.input.coords) input.coords = known.input.coords;
    inputs[i] = input;
  }
  const { items, scored } = await scoreGrouped(ctx, pipelines, inputs);
  const rewards = new Array<number>(n);
  const scores = new Array<number>(n);
  const logs = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    const r = finiteOr0(it.reward);
    rewards[i] = r;
    scores[i] = r < 0 ? 0 : r > 1 ? 1 : r;
    for (const c in it.components) {
      let col = logs.get(c);
      if (!col) logs.set(c, (col = new Array<number>(n).fill(0)));
      col[i] = finiteOr0(it.components[c]);
    }
  }
  let extra = '';
  for (const [c, col] of logs) extra += `${extra ? ',' : ''}${JSON.stringify(c)}:[${col.join(',')}]`;
  return { status: 200, body: `{"rewards":[${rewards.join(',')}],"scores":[${scores.join(',')}],"extra_logs":{${extra}}}`, scored };
}
