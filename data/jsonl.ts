/**
 * JSONL datasets of Samples. A bad line is reported with its line number and cause and skipped
 * (or, with `strict`, is an error); media paths are resolved relative to the dataset file.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, isAbsolute, resolve } from 'node:path';
import { GlimpseError } from '../src/util/errors.js';
import { parseSample, type Sample } from './schema.js';

export interface JsonlProblem {
  line: number;
  error: string;
}

export interface LoadedDataset {
  samples: Sample[];
  problems: JsonlProblem[];
}

export interface LoadJsonlOptions {
  /** Throw on the first bad line instead of skipping it. */
  strict?: boolean;
  /** Stop after this many samples. */
  limit?: number;
  /** Longest accepted line in characters (default 64 MiB): guards against a file that is one huge line. */
  maxLineChars?: number;
}

/** Reads a JSONL file of Samples; media paths become absolute (relative to the file's folder). */
export async function loadSamplesJsonl(path: string, options: LoadJsonlOptions = {}): Promise<LoadedDataset> {
  if (!existsSync(path)) throw new GlimpseError('not_found', `${path}: dataset file not found`);
  const base = dirname(resolve(path));
  const maxLine = options.maxLineChars ?? 64 * 1024 * 1024;
  const samples: Sample[] = [];
  const problems: JsonlProblem[] = [];
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    let problem: string | undefined;
    if (line.length > maxLine) problem = `line is ${line.length} characters, over the limit of ${maxLine}`;
    else {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        problem = `not JSON (${(e as Error).message})`;
      }
      if (!problem) {
        const r = parseSample(value);
        if (r.ok) samples.push(resolveMedia(r.sample, base));
        else problem = r.error;
      }
    }
    if (problem) {
      if (options.strict) {
        rl.close();
        throw new GlimpseError('corrupt', `${path}:${n}: ${problem}`);
      }
      problems.push({ line: n, error: problem });
    }
    if (options.limit !== undefined && samples.length >= options.limit) break;
  }
  rl.close();
  return { samples, problems };
}

/** A copy of `sample` whose relative media paths are resolved against `base`. */
export function resolveMedia(sample: Sample, base: string): Sample {
  if (!sample.media.some((m) => m.path && !isAbsolute(m.path))) return sample;
  return { ...sample, media: sample.media.map((m) => (m.path && !isAbsolute(m.path) ? { ...m, path: resolve(base, m.path) } : m)) };
}
