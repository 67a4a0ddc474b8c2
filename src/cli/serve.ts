/**
 * `glimpse serve`: the reward server for verl, OpenRLHF and TRL (see docs/server.md).
 *
 *   glimpse serve --port 8000 --pipelines pipelines/ [--default iou] [--host 127.0.0.1]
 *                 [--workers N] [--queue N] [--deadline-ms N] [--max-body BYTES] [--api-key-env VAR]
 *
 * SIGHUP reloads the pipeline folder (a bad file keeps the old set); SIGTERM/SIGINT stop
 * accepting, let in-flight requests finish, then exit.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { pathToFileURL } from 'node:url';
import { GlimpseError } from '../util/errors.js';

function int(min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

/** `1048576`, `512k`, `32m`, `1g` (binary units) -> bytes. */
export function parseBytes(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(v);
  if (!m) throw new InvalidArgumentError(`expected a size like 1048576, 512k or 32m, got "${v}"`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const n = Math.floor(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
  if (n < 1 || n > 2 ** 31 - 1) throw new InvalidArgumentError(`size must be between 1 byte and 2 GiB, got "${v}"`);
  return n;
}

interface Flags {
  port: number;
  pipelines: string;
  default?: string;
  host: string;
  workers?: number;
  queue: number;
  deadlineMs: number;
  maxBody: number;
  apiKeyEnv?: string;
  drainMs: number;
  scorer?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve reward pipelines over HTTP (OpenRLHF /get_reward, native /v1/rewards; verl and TRL clients in docs/server.md)')
    .requiredOption('--pipelines <dir>', 'folder of pipelines: every <name>.yaml (.yml, .json) is pipeline <name>')
    .option('--port <n>', 'TCP port (0 picks a free one)', int(0, 65535), 8000)
    .option('--default <name>', 'pipeline for requests that name none (default: the only one, if there is one)')
    .option('--host <addr>', 'address to listen on (0.0.0.0 exposes the server)', '127.0.0.1')
    .option('--workers <n>', 'scoring worker threads (default: number of cores)', int(1, 256))
    .option('--queue <n>', 'requests waiting beyond what the workers hold (2 each) before 429', int(0, 100_000), 64)
    .option('--deadline-ms <n>', 'per-request deadline from arrival to answer; then 504', int(1, 3_600_000), 30_000)
    .option('--max-body <bytes>', 'request body limit (e.g. 32m); larger bodies get 413', parseBytes, 32 * 1024 * 1024)
    .option('--api-key-env <var>', 'require the API key held in this environment variable (Authorization: Bearer / X-API-Key)')
    .option('--drain-ms <n>', 'on SIGTERM/SIGINT, time in-flight requests get to finish', int(0, 600_000), 30_000)
    .addOption(new Option('--scorer <module>', 'advanced: a module exporting createScorer(sources) to use instead of glimpse pipelines').hideHelp())
    .action(async (flags: Flags) => {
      let apiKey: string | undefined;
      if (flags.apiKeyEnv !== undefined) {
        apiKey = process.env[flags.apiKeyEnv];
        if (!apiKey) throw new GlimpseError('bad_config', `--api-key-env ${flags.apiKeyEnv}: the environment variable is unset or empty`);
      }
      const { startServer } = await import('../server/server.js');
      const log = (line: string): void => void process.stderr.write(`glimpse serve: ${line}\n`);
      const srv = await startServer({
        pipelinesDir: flags.pipelines,
        port: flags.port,
        host: flags.host,
        queue: flags.queue,
        deadlineMs: flags.deadlineMs,
        maxBodyBytes: flags.maxBody,
        drainMs: flags.drainMs,
        log,
        ...(flags.default !== undefined ? { defaultPipeline: flags.default } : {}),
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(flags.scorer !== undefined ? { scorerModule: /^[a-z]+:/.test(flags.scorer) ? flags.scorer : pathToFileURL(flags.scorer).href } : {}),
      });
      process.stdout.write(
        `glimpse serve: listening on ${srv.url} (pipelines: ${srv.pipelines().join(', ')}; default: ${srv.defaultPipeline() ?? 'none'}; workers: ${srv.workers})\n`,
      );
      process.on('SIGHUP', () => {
        log('SIGHUP: reloading pipelines');
        void srv.reload();
      });
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) {
          log(`${sig} again: exiting now`);
          process.exit(1);
        }
        stopping = true;
        log(`${sig}: draining in-flight requests`);
        void srv.close().then(() => {
          log('stopped');
          process.exit(0);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
