/**
 * The run folder: `run.json` (what was evaluated), `results.jsonl` (one SampleResult per line,
 * appended as samples finish), `metrics.json` and `report.md`. A re-run with the same benchmark
 * and model resumes: finished ids are skipped. A line cut short by a crash (no trailing newline,
 * or not JSON) is dropped and the file is truncated back to its last complete line before
 * anything is appended, so a crash never corrupts the resume.
 */
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { GlimpseError } from '../util/errors.js';
import type { SampleResult } from './types.js';

export const RESULTS_FILE = 'results.jsonl';
export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.json';
export const REPORT_FILE = 'report.md';

/** What identifies a run; a resume must match `benchmark`, `data` and `model`. */
export interface RunManifest {
  benchmark: string;
  data: string;
  /** Size of the data file when the run started (a changed file is reported on resume). */
  dataBytes?: number;
  media?: string;
  model: string;
  sampling: Record<string, unknown>;
  options: Record<string, unknown>;
  started: string;
  glimpse: string;
}

export interface ReadResults {
  results: SampleResult[];
  /** Lines that were dropped (cut short or not a result), 1-based. */
  dropped: number[];
  /** Byte length of the complete-lines prefix. */
  validBytes: number;
}

function isResult(v: unknown): v is SampleResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.completion === 'string' && typeof r.values === 'object' && r.values !== null && typeof r.groups === 'object' && r.groups !== null;
}

/** Reads `results.jsonl`; later lines for the same id win. Missing file = no results. */
export function readResults(path: string): ReadResults {
  if (!existsSync(path)) return { results: [], dropped: [], validBytes: 0 };
  const buf = readFileSync(path);
  const lastNl = buf.lastIndexOf(0x0a);
  const validBytes = lastNl + 1;
  const text = buf.subarray(0, validBytes).toString('utf8');
  const byId = new Map<string, SampleResult>();
  const dropped: number[] = [];
  const lines = text.split('\n');
  lines.pop(); // after the final newline
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v: unknown = JSON.parse(line);
      if (isResult(v)) byId.set(v.id, v);
      else dropped.push(i + 1);
    } catch {
      dropped.push(i + 1);
    }
  });
  if (validBytes < buf.length) dropped.push(lines.length + 1);
  return { results: [...byId.values()], dropped, validBytes };
}

/** Appends results one line at a time (one write per line). */
export class ResultsWriter {
  private constructor(private readonly fh: FileHandle) {}

  /** Opens `path` for appending, first truncating a trailing partial line. */
  static async open(path: string): Promise<ResultsWriter> {
    if (existsSync(path)) {
      const { validBytes } = readResults(path);
      if (statSync(path).size !== validBytes) truncateSync(path, validBytes);
    }
    return new ResultsWriter(await open(path, 'a'));
  }

  async append(r: SampleResult): Promise<void> {
    await this.fh.write(`${JSON.stringify(r)}\n`);
  }

  async close(): Promise<void> {
    await this.fh.sync().catch(() => undefined);
    await this.fh.close();
  }
}

/** Reads `run.json` of a run folder, or undefined when absent; GlimpseError when unreadable. */
export function readManifest(dir: string): RunManifest | undefined {
  const p = join(dir, RUN_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const v = JSON.parse(readFileSync(p, 'utf8')) as RunManifest;
    if (typeof v.benchmark !== 'string' || typeof v.model !== 'string') throw new Error('missing "benchmark" or "model"');
    return v;
  } catch (e) {
    throw new GlimpseError('corrupt', `${p}: not a glimpse run manifest (${(e as Error).message})`, 'use a fresh --out folder');
  }
}

/** Writes `run.json` atomically. */
export async function writeManifest(dir: string, m: RunManifest): Promise<void> {
  await writeFileAtomic(join(dir, RUN_FILE), `${JSON.stringify(m, null, 2)}\n`);
}

/**
 * Checks that a run folder holds the same benchmark, data and model as `m` before resuming;
 * GlimpseError('bad_config') naming the field that differs.
 */
export function checkResumable(dir: string, old: RunManifest, m: RunManifest): void {
  for (const k of ['benchmark', 'data', 'model'] as const) {
    if (old[k] !== m[k]) {
      throw new GlimpseError(
        'bad_config',
        `${dir} holds a run with ${k} "${old[k]}", not "${m[k]}"; refusing to mix results`,
        'pass another --out folder, or delete the old one',
      );
    }
  }
}
