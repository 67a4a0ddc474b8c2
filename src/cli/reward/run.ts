/**
 * `glimpse reward --pipeline rewards.yaml --input completions.jsonl [--out scored.jsonl]`:
 * scores every record with the pipeline. Input lines are
 * `{"id"?, "completion": string, "sample": {...}, "coords"?: {...}}`; output lines are the input
 * plus `reward`, `components` and `reasons` (and `details` with --details). A malformed line is
 * reported on stderr with its line number and skipped. Records that share a sample id form a
 * group (`RewardInput.group`) for group-relative rewards. `--out` is written atomically.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { describeError, GlimpseError } from '../../util/errors.js';
import { loadPipelineFile, parseRewardRecord } from '../../../rewards/index.js';
import type { RewardInput } from '../../../rewards/types.js';
import { AtomicLineWriter } from './atomic-lines.js';
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
  /** Standard input, for `--input -`. */
  stdin?: Readable;
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
  stdin: process.stdin,
};

/** The input as a stream of lines (files of any size: read line by line, never as one string). */
async function openInput(path: string, io: RewardRunIO): Promise<Readable> {
  if (path === '-') {
    if (!io.stdin) throw new GlimpseError('bad_args', '--input -: no standard input here');
    return io.stdin;
  }
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new GlimpseError('bad_args', `--input ${path}: is a folder, expected a JSONL file`);
  } catch (e) {
    if (e instanceof GlimpseError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new GlimpseError('not_found', `--input ${path}: no such file`);
    throw new GlimpseError('unreadable', `--input ${path}: cannot read (${code ?? describeError(e)})`);
  }
  return createReadStream(path, { encoding: 'utf8' });
}

/** Longest line read (characters); longer lines are reported and skipped without being parsed. */
const MAX_LINE = 64 * 1024 * 1024;

/** Runs the default action of `glimpse reward`. Returns counts; throws GlimpseError on bad arguments or pipeline. */
export async function runReward(opts: RewardRunOptions, io: RewardRunIO = defaultIO): Promise<RewardRunResult> {
  if (!opts.pipeline || !opts.input) {
    const missing = [!opts.pipeline && '--pipeline <file>', !opts.input && '--input <file>'].filter(Boolean).join(' and ');
    throw new GlimpseError('bad_args', `glimpse reward needs ${missing}`, 'usage: glimpse reward --pipeline rewards.yaml --input completions.jsonl [--out scored.jsonl]; glimpse reward --list shows the rewards');
  }
  const pipeline = await loadPipelineFile(opts.pipeline);
  const stream = await openInput(opts.input, io);
  const name = opts.input === '-' ? 'stdin' : opts.input;
  const maxErrors = opts.maxErrors ?? 20;

  // 1. parse every line
  const malformed: Array<{ line: number; error: string }> = [];
  const records: Array<{ line: number; raw: Record<string, unknown>; input: RewardInput }> = [];
  let read = 0;
  let lineNo = 0;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      read++;
      if (line.length > MAX_LINE) {
        malformed.push({ line: lineNo, error: `line of ${line.length} characters is longer than ${MAX_LINE}` });
        continue;
      }
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
  } catch (e) {
    throw new GlimpseError('unreadable', `--input ${name}: read failed at line ${lineNo + 1} (${describeError(e)})`);
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
  let writer: AtomicLineWriter | undefined;
  if (opts.out) {
    try {
      writer = await AtomicLineWriter.open(opts.out);
    } catch (e) {
      throw new GlimpseError('unwritable', `--out ${opts.out}: cannot write (${describeError(e)})`);
    }
  }
  try {
    for (const r of records) {
      const item = pipeline.isAsync ? await pipeline.score(r.input) : pipeline.scoreSync(r.input);
      summary.add(item);
      const line: Record<string, unknown> = { ...r.raw, reward: item.reward, components: item.components, reasons: item.reasons };
      if (opts.details && item.details) line.details = item.details;
      const s = JSON.stringify(line) + '\n';
      if (writer) await writer.write(s);
      else io.stdout(s);
    }
    if (writer) await writer.commit();
  } catch (e) {
    if (writer) await writer.abort();
    throw e instanceof GlimpseError ? e : new GlimpseError('unwritable', `--out ${opts.out}: cannot write (${describeError(e)})`);
  }
  io.stderr(summary.format({ read, malformed: malformed.length, pipeline: pipeline.name }));
  if (records.length === 0 && read > 0) {
    throw new GlimpseError('bad_input', `${name}: none of the ${read} line(s) is a valid record`, 'each line: {"completion": "...", "sample": {"answer": {...}}}');
  }
  return { read, scored: records.length, malformed, summary: summary.toJSON() };
}
