/**
 * `glimpse eval`: evaluate a model on a benchmark, or compare two runs.
 *
 *   glimpse eval --benchmark charades-sta --data charades_sta_test.txt --media videos/ \
 *     --model openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct --out runs/charades
 *   glimpse eval --compare runs/a runs/b
 *
 * See docs/eval.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GlimpseError } from '../util/errors.js';
import { getBenchmark, listBenchmarks } from '../eval/benchmarks/index.js';
import { compareRuns, readSummary } from '../eval/compare.js';
import { parseEvalConfig } from '../eval/config.js';
import { formatMetric } from '../eval/metrics.js';
import { resolveModel } from '../eval/models/index.js';
import { createProgress } from '../eval/progress.js';
import { REPORT_FILE } from '../eval/results.js';
import { runEval } from '../eval/runner.js';
import type { BenchmarkOptions } from '../eval/types.js';

interface EvalFlags {
  benchmark?: string;
  data?: string;
  media?: string;
  model?: string;
  predictions?: string;
  limit?: string;
  out?: string;
  template?: string;
  system?: string;
  coords?: string;
  maxPixels?: string;
  minPixels?: string;
  frames?: string;
  temperature?: string;
  topP?: string;
  maxTokens?: string;
  seed?: string;
  concurrency?: string;
  timeout?: string;
  retries?: string;
  apiKeyEnv?: string;
  batchSize?: string;
  examples?: string;
  boxFormat?: string;
  pipeline?: string;
  quiet?: boolean;
  list?: boolean;
  compare?: string[];
}

function slug(s: string): string {
  return s.replace(/^openai:https?:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'model';
}

async function evaluate(f: EvalFlags): Promise<void> {
  if (f.list) {
    for (const b of listBenchmarks()) process.stdout.write(`${b.name.padEnd(16)} ${b.metrics.join(', ')}\n  ${b.description}\n`);
    return;
  }
  if (f.compare) {
    if (f.compare.length !== 2) throw new GlimpseError('bad_config', `--compare needs two run folders, got ${f.compare.length}`);
    const [a, b] = f.compare as [string, string];
    for (const line of compareRuns(readSummary(a), readSummary(b), [a, b])) process.stdout.write(`${line}\n`);
    return;
  }
  if (!f.benchmark) throw new GlimpseError('bad_config', `--benchmark is required; known benchmarks: ${listBenchmarks().map((b) => b.name).join(', ')}`);
  const benchmark = getBenchmark(f.benchmark);
  if (!f.data) throw new GlimpseError('bad_config', `--data is required for ${benchmark.name}: expected ${benchmark.formats.join('; or ')}`);
  const c = parseEvalConfig(f as unknown as Record<string, unknown>);
  let template = f.template;
  if (template?.startsWith('@')) {
    const p = template.slice(1);
    if (!existsSync(p)) throw new GlimpseError('not_found', `--template ${template}: file ${p} not found`);
    template = readFileSync(p, 'utf8');
  }
  const options: BenchmarkOptions = {
    data: f.data,
    ...(f.media !== undefined ? { media: f.media } : {}),
    ...(c.limit !== undefined ? { limit: c.limit } : {}),
    ...(template !== undefined ? { template } : {}),
    coords: c.coords,
    maxPixels: c.maxPixels,
    ...(c.minPixels !== undefined ? { minPixels: c.minPixels } : {}),
    ...(c.frames !== undefined ? { frames: c.frames } : {}),
    extra: {
      ...(c.boxFormat !== undefined ? { boxFormat: c.boxFormat } : {}),
      ...(f.pipeline !== undefined ? { pipeline: f.pipeline } : {}),
    },
  };
  const model = await resolveModel(f.model, f.predictions, {
    ...(f.apiKeyEnv !== undefined ? { apiKeyEnv: f.apiKeyEnv } : {}),
    concurrency: c.concurrency,
    timeoutMs: c.timeout * 1000,
    maxRetries: c.retries,
  });
  const out = f.out ?? join('eval-runs', `${benchmark.name.replace(/\+/g, 'plus')}-${slug(model.name)}`);
  const summary = await runEval({
    benchmark,
    options,
    model,
    sampling: {
      temperature: c.temperature,
      ...(c.topP !== undefined ? { topP: c.topP } : {}),
      maxTokens: c.maxTokens,
      ...(c.seed !== undefined ? { seed: c.seed } : {}),
    },
    out,
    batchSize: c.batchSize,
    examples: c.examples,
    ...(f.system !== undefined ? { system: f.system } : {}),
    progress: createProgress(process.stderr, { quiet: f.quiet ?? false }),
    log: (line) => {
      if (!f.quiet) process.stderr.write(`${line}\n`);
    },
  });
  const pct = new Set(summary.percent);
  process.stdout.write(`${benchmark.name} · ${model.name} · scored ${summary.n}/${summary.total}${summary.errors ? ` (${summary.errors} not scored)` : ''}\n`);
  for (const m of benchmark.metrics) process.stdout.write(`  ${m.padEnd(18)} ${formatMetric(summary.metrics[m] ?? undefined, pct.has(m))}\n`);
  process.stdout.write(`report: ${join(out, REPORT_FILE)}\n`);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a model (OpenAI-compatible endpoint, predictions file, oracle; glimpse policies later) on a benchmark, or compare runs')
    .option('--benchmark <name>', 'benchmark name (see --list)')
    .option('--data <path>', 'annotations: file, or folder of parquet shards')
    .option('--media <folder>', 'images/videos/scenes named by the annotations')
    .option('--model <spec>', 'openai:<base-url>#<model> | oracle | <policy folder>')
    .option('--predictions <file>', 'score pre-computed completions (JSONL {"id", "completion"})')
    .option('--limit <n>', 'evaluate the first n items')
    .option('--out <dir>', 'run folder (default eval-runs/<benchmark>-<model>); a re-run resumes')
    .option('--template <text|@file>', "prompt template with the benchmark's {placeholders}")
    .option('--system <text>', 'system message sent with every request')
    .option('--coords <space>', 'space the model answers coordinates in: pixel (of the image sent, default) | norm1000 | norm1')
    .option('--max-pixels <n>', 'smart-resize images to at most n pixels before sending (0 = send as stored; default 12845056)')
    .option('--min-pixels <n>', 'smart-resize lower bound in pixels')
    .option('--frames <n>', 'frames sampled per video')
    .option('--temperature <t>', 'sampling temperature (default 0 = greedy)')
    .option('--top-p <p>', 'nucleus sampling')
    .option('--max-tokens <n>', 'longest completion in tokens (default 1024)')
    .option('--seed <n>', 'sampling seed passed to the endpoint')
    .option('--concurrency <n>', 'requests in flight (default 8)')
    .option('--timeout <s>', 'per-request timeout in seconds (default 180)')
    .option('--retries <n>', 'retries on 429/5xx/timeouts (default 5)')
    .option('--api-key-env <VAR>', 'environment variable holding the API key (default OPENAI_API_KEY)')
    .option('--batch-size <n>', 'items prepared at once (default 32)')
    .option('--examples <n>', 'rendered examples in report.md (default 4)')
    .option('--box-format <f>', 'RefCOCO JSON boxes: xywh | xyxy')
    .option('--pipeline <file>', 'reward pipeline (YAML/JSON) for synthetic tasks')
    .option('--quiet', 'no progress bar')
    .option('--list', 'list the benchmarks')
    .option('--compare <runs...>', 'print the metrics of two run folders side by side')
    .action(async (flags: EvalFlags) => evaluate(flags));
}
