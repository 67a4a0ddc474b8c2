/**
 * `glimpse reward --pipeline rewards.yaml --input completions.jsonl [--out scored.jsonl]`:
 * scores every record with the pipeline. Input lines are
 * `{"id"?, "completion": string, "sample": {...}, "coords"?: {...}}`; output lines are the input
 * plus `reward`, `components` and `reasons` (and `details` with --details). A malformed line is
 * reported on stderr with its line number and skipped. Records that share a sample id form a
 * group (`RewardInput.group`) for group-relative rewards. `--out` is written atomically.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/atomic.js';
import { describeError, GlimpseError } from '../../util/errors.js';
import { loadPipelineFile, parseRewardRecord } from '../../../rewards/index.js';
import type { RewardInput } from '../../../rewards/types.js';
import { RewardSummary } from './summary.js';

export interface RewardRunOptions {
  pipeline?: string;
  input?: string;
  out?: string;
  details?: boolean;
  /** Per-line error messages printed before "… and N more" (default 20). */
  maxErrors?: number;
}

export interface RewardRunIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin?: () => Promise<string>;
}

export interface RewardRunResult {
  read: number;
  scored: number;
  malformed: Array<{ line: number; error: string }>;
  summary: ReturnType<RewardSummary['toJSON']>;
}

const defaultIO: RewardRunIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

async function readInput(path: string, io: RewardRunIO): Promise<string> {
  if (path === '-') {
    if (!io.readStdin) throw new GlimpseError('bad_args', '--input -: no standard input here');
    return io.readStdin();
  }
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new GlimpseError('not_found', `--input ${path}: no such file`);
    if (code === 'EISDIR') throw new GlimpseError('bad_args', `--input ${path}: is a folder, expected a JSONL file`);
    throw new GlimpseError('unreadable', `--input ${path}: cannot read (${code ?? describeError(e)})`);
  }
}

/** Runs the default action of `glimpse reward`. Returns counts; throws GlimpseError on bad arguments or pipeline. */
export async function runReward(opts: RewardRunOptions, io: RewardRunIO = defaultIO): Promise<RewardRunResult> {
  if (!opts.pipeline || !opts.input) {
    const missing = [!opts.pipeline && '--pipeline <file>', !opts.input && '--input <file>'].filter(Boolean).join(' and ');
    throw new GlimpseError('bad_args', `glimpse reward needs ${missing}`, 'usage: glimpse reward --pipeline rewards.yaml --input completions.jsonl [--out scored.jsonl]; glimpse reward --list shows the rewards');
  }
  const pipeline = await loadPipelineFile(opts.pipeline);
  const text = await readInput(opts.input, io);
  const name = opts.input === '-' ? 'stdin' : opts.input;
  const maxErrors = opts.maxErrors ?? 20;

  // 1. parse every line
  const malformed: Array<{ line: number; error: string }> = [];
  const records: Array<{ line: number; raw: Record<string, unknown>; input: RewardInput }> = [];
  let read = 0;
  let lineNo = 0;
  let at = 0;
  while (at <= text.length) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl).replace(/\r$/, '');
    at = nl + 1;
    lineNo++;
    if (line.trim() === '') continue;
    read++;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      malformed.push({ line: lineNo, error: `not JSON (${describeError(e).slice(0, 120)})` });
      continue;
    }
    const r = parseRewardRecord(value);
    if (!r.ok) {
      malformed.push({ line: lineNo, error: r.error });
      continue;
    }
    records.push({ line: lineNo, raw: value as Record<string, unknown>, input: r.input });
  }
  for (const m of malformed.slice(0, maxErrors)) io.stderr(`glimpse reward: ${name}:${m.line}: skipped: ${m.error}\n`);
  if (malformed.length > maxErrors) io.stderr(`glimpse reward: … and ${malformed.length - maxErrors} more malformed line(s)\n`);

  // 2. groups: records sharing a sample id
  const bySample = new Map<string, number[]>();
  records.forEach((r, i) => {
    const list = bySample.get(r.input.sample.id);
    if (list) list.push(i);
    else bySample.set(r.input.sample.id, [i]);
  });
  for (const idxs of bySample.values()) {
    if (idxs.length < 2) continue;
    const completions = idxs.map((i) => records[i]!.input.completion);
    idxs.forEach((i, k) => (records[i]!.input.group = { completions, index: k }));
  }

  // 3. score
  const summary = new RewardSummary(pipeline.components);
  const out: string[] = [];
  for (const r of records) {
    const item = pipeline.isAsync ? await pipeline.score(r.input) : pipeline.scoreSync(r.input);
    summary.add(item);
    const line: Record<string, unknown> = { ...r.raw, reward: item.reward, components: item.components, reasons: item.reasons };
    if (opts.details && item.details) line.details = item.details;
    const s = JSON.stringify(line) + '\n';
    if (opts.out) out.push(s);
    else io.stdout(s);
  }
  if (opts.out) {
    try {
      await writeFileAtomic(opts.out, out.join(''));
    } catch (e) {
      throw new GlimpseError('unwritable', `--out ${opts.out}: cannot write (${describeError(e)})`);
    }
  }
  io.stderr(summary.format({ read, malformed: malformed.length, pipeline: pipeline.name }));
  if (records.length === 0 && read > 0) {
    throw new GlimpseError('bad_input', `${name}: none of the ${read} line(s) is a valid record`, 'each line: {"completion": "...", "sample": {"answer": {...}}}');
  }
  return { read, scored: records.length, malformed, summary: summary.toJSON() };
}
