/**
 * The evaluation loop: stream items from the benchmark's loader, skip those already in
 * `results.jsonl` (resume), build requests in batches, let the model answer, score each answer as
 * it arrives and append it to `results.jsonl`; then aggregate and write `metrics.json` and
 * `report.md` (see ./report.ts).
 */
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GlimpseError, describeError, isGlimpseError } from '../util/errors.js';
import type { Progress } from './progress.js';
import { RESULTS_FILE, ResultsWriter, checkResumable, readManifest, readResults, writeManifest, type RunManifest } from './results.js';
import { writeReport, type RunSummary } from './report.js';
import type { Benchmark, BenchmarkOptions, EvalItem, EvalModel, PreparedItem, SampleResult, SamplingParams } from './types.js';
import { createCoordinateMap, type CoordinateMapSpec } from '../../modalities/coords.js';

export interface RunOptions {
  benchmark: Benchmark;
  options: BenchmarkOptions;
  model: EvalModel;
  sampling: SamplingParams;
  /** Run folder (created). */
  out: string;
  /** Requests handed to the model at once (default 32). */
  batchSize?: number;
  /** System message sent with every request (e.g. a model's default system prompt). */
  system?: string;
  /** Rendered examples in the report (default 4). */
  examples?: number;
  /** Stop after this many consecutive failed requests with no success at all (default 20). */
  maxConsecutiveErrors?: number;
  progress?: Progress;
  /** Called with one-line notes (resume, skipped data). */
  log?: (line: string) => void;
}

/**
 * Runs (or resumes) an evaluation and writes the report; resolves to the summary. The model and
 * the benchmark are closed at the end, also when the run fails.
 */
export async function runEval(o: RunOptions): Promise<RunSummary> {
  try {
    return await run(o);
  } finally {
    await o.model.close?.().catch(() => undefined);
    await o.benchmark.close?.().catch(() => undefined);
  }
}

/** Size of a data file in bytes (undefined for folders and missing paths). */
function dataBytes(path: string): number | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The map of a model that resized the image it was sent (`model`: sent image -> its input),
 * composed with how that image was prepared from the original (`prepared`: original -> sent).
 */
export function composeCoords(prepared: CoordinateMapSpec | undefined, model: CoordinateMapSpec): CoordinateMapSpec {
  if (!prepared) return model;
  const sent = prepared.input ?? prepared.original;
  if (model.original[0] !== sent[0] || model.original[1] !== sent[1]) return model;
  const p = createCoordinateMap({ ...prepared, space: 'pixel' });
  const region = model.region ? p.boxToOriginal(model.region) : p.region;
  return { original: prepared.original, ...(model.input ? { input: model.input } : {}), space: model.space ?? 'pixel', region: [region[0], region[1], region[2], region[3]] };
}

async function run(o: RunOptions): Promise<RunSummary> {
  const out = resolve(o.out);
  const log = o.log ?? (() => undefined);
  const manifest: RunManifest = {
    benchmark: o.benchmark.name,
    data: resolve(o.options.data),
    ...(dataBytes(o.options.data) !== undefined ? { dataBytes: dataBytes(o.options.data) } : {}),
    ...(o.options.media ? { media: resolve(o.options.media) } : {}),
    model: o.model.name,
    sampling: { ...o.sampling },
    options: {
      ...(o.options.limit !== undefined ? { limit: o.options.limit } : {}),
      ...(o.options.template !== undefined ? { template: o.options.template } : {}),
      coords: o.options.coords ?? 'pixel',
      maxPixels: o.options.maxPixels ?? 0,
      ...(o.options.frames !== undefined ? { frames: o.options.frames } : {}),
      ...(o.system !== undefined ? { system: o.system } : {}),
    },
    started: new Date().toISOString(),
    glimpse: '0.1.0',
  };
  const old = readManifest(out);
  if (old) checkResumable(out, old, manifest);
  if (old && old.dataBytes !== undefined && manifest.dataBytes !== undefined && old.dataBytes !== manifest.dataBytes) {
    log(`warning: ${manifest.data} changed size since this run started (${old.dataBytes} -> ${manifest.dataBytes} bytes); finished ids are reused as they are`);
  }
  // Read the data (and fail on bad paths) before anything is written to the run folder.
  const withMediaEarly = o.model.needs?.media !== false;
  const loaded = await o.benchmark.load({ ...o.options, needMedia: withMediaEarly });
  await mkdir(out, { recursive: true });
  if (!old) await writeManifest(out, manifest);

  const resultsPath = join(out, RESULTS_FILE);
  const prior = readResults(resultsPath);
  if (prior.dropped.length) log(`${resultsPath}: dropped ${prior.dropped.length} incomplete line(s) (${prior.dropped.slice(0, 5).join(', ')}); those samples are evaluated again`);
  const finished = new Map(prior.results.map((r) => [r.id, r]));
  if (finished.size) log(`resuming: ${finished.size} sample(s) already in ${resultsPath}`);

  for (const n of loaded.notes) log(n);
  const writer = await ResultsWriter.open(resultsPath);
  const results: SampleResult[] = [];
  const errors: Array<{ id: string; error: string }> = [];
  const exampleItems = new Map<string, EvalItem>();
  const nExamples = o.examples ?? 4;
  const batchSize = Math.max(1, o.batchSize ?? 32);
  const maxConsecutive = o.maxConsecutiveErrors ?? 20;
  const withMedia = o.model.needs?.media !== false;
  let consecutiveErrors = 0;
  let successes = 0;
  let reused = 0;
  const seen = new Set<string>();
  o.progress?.start(loaded.total, `${o.benchmark.name}`);

  const keepExample = (item: EvalItem, r: SampleResult) => {
    if (exampleItems.size < nExamples && o.benchmark.renderExample && r.pred !== undefined) exampleItems.set(item.id, item);
  };

  const flush = async (batch: EvalItem[]): Promise<void> => {
    const prepared: Array<PreparedItem | undefined> = [];
    for (const item of batch) {
      try {
        const p = await o.benchmark.prepare(item, o.options, withMedia);
        if (o.model.needs?.reference) p.request.reference = o.benchmark.oracle(item, p);
        if (o.system !== undefined && p.request.system === undefined) p.request.system = o.system;
        prepared.push(p);
      } catch (e) {
        if (!isGlimpseError(e)) throw e;
        errors.push({ id: item.id, error: e.message });
        prepared.push(undefined);
        o.progress?.tick(1);
      }
    }
    const live = batch.map((item, i) => ({ item, p: prepared[i] })).filter((x): x is { item: EvalItem; p: PreparedItem } => x.p !== undefined);
    if (live.length === 0) return;
    await o.model.generate(
      live.map((x) => x.p.request),
      o.sampling,
      {
        onResult: async (i, g) => {
          const { item, p } = live[i]!;
          if (g.error !== undefined) {
            errors.push({ id: item.id, error: g.error });
            consecutiveErrors++;
            o.progress?.tick(1, `errors ${errors.length}`);
            return;
          }
          consecutiveErrors = 0;
          successes++;
          const prep: PreparedItem = g.coords ? { ...p, coords: composeCoords(p.coords, g.coords) } : p;
          let s;
          try {
            s = await o.benchmark.score(item, g.text, prep);
          } catch (e) {
            // A configuration problem (unknown task, bad pipeline) stops the run; any other throw is a
            // scorer bug on this output, recorded instead of losing the run.
            if (isGlimpseError(e)) throw e;
            s = { values: {}, failure: 'unparseable' as const, reason: `scoring failed: ${describeError(e)}` };
          }
          const r: SampleResult = {
            id: item.id,
            groups: item.groups,
            completion: g.text,
            ...s,
            ...(prep.coords ? { coords: prep.coords } : {}),
            ...(prep.context ? { context: prep.context } : {}),
          };
          await writer.append(r);
          results.push(r);
          keepExample(item, r);
          o.progress?.tick(1);
        },
      },
    );
    if (successes === 0 && consecutiveErrors >= maxConsecutive) {
      throw new GlimpseError('request_failed', `${consecutiveErrors} requests in a row failed, none succeeded; last error: ${errors[errors.length - 1]?.error}`);
    }
  };

  try {
    let batch: EvalItem[] = [];
    for await (const item of loaded.items) {
      if (seen.has(item.id)) {
        throw new GlimpseError('corrupt', `${o.options.data}: id "${item.id}" occurs twice; every item needs a distinct id`);
      }
      seen.add(item.id);
      const done = finished.get(item.id);
      if (done) {
        results.push(done);
        keepExample(item, done);
        reused++;
        o.progress?.tick(1);
        continue;
      }
      batch.push(item);
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length) await flush(batch);
  } finally {
    await writer.close();
    o.progress?.done();
  }
  return writeReport({
    out,
    benchmark: o.benchmark,
    manifest: old ?? manifest,
    results,
    errors,
    total: loaded.total,
    reused,
    notes: loaded.notes,
    examples: [...exampleItems.values()],
  });
}
