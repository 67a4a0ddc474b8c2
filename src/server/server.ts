/**
 * `startServer(options)`: reads and validates the pipeline folder, starts the worker pool and
 * the HTTP server, and returns a handle to reload the pipelines (what SIGHUP does) or shut down
 * gracefully (what SIGTERM/SIGINT do). The CLI (src/cli/serve.ts) wires the signals.
 *
 * @example
 *   const srv = await startServer({ pipelinesDir: 'pipelines', port: 0 });
 *   const res = await fetch(`${srv.url}/v1/rewards`, { method: 'POST', body: JSON.stringify({ items }) });
 *   await srv.close();
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GlimpseError, describeError, isGlimpseError } from '../util/errors.js';
import { apiKeyChecker } from './auth.js';
import { createHandler, type HttpState } from './http.js';
import type { WorkerInit } from './messages.js';
import { ServerMetrics } from './metrics.js';
import { readPipelineDir, resolveDefault } from './pipelines.js';
import { WorkerPool } from './pool.js';
import { DEFAULT_SCORER_MODULE, importScorer, type PipelineSource } from './scorer.js';
import { ServeOptionsSchema, defaultWorkers, type ServeOptionsInput } from './options.js';
import { formatZodError } from '../../data/schema.js';

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly metrics: ServerMetrics;
  /** Names of the pipelines being served. */
  pipelines(): string[];
  /** The pipeline of requests that name none, if any. */
  defaultPipeline(): string | undefined;
  /** Worker threads in the pool. */
  readonly workers: number;
  /**
   * Re-reads the pipeline folder. On success the workers switch to the new set between jobs;
   * on failure the old set stays and the returned error says why (it is also logged).
   */
  reload(): Promise<{ ok: true; pipelines: string[] } | { ok: false; error: string }>;
  /** Stops accepting, lets in-flight requests finish (up to drainMs), then stops the workers. */
  close(): Promise<void>;
}

interface Loaded {
  sources: PipelineSource[];
  names: string[];
  defaultPipeline: string | undefined;
  specs: Record<string, unknown>;
}

/** Starts the reward server; throws GlimpseError (naming the file) when a pipeline is bad. */
export async function startServer(input: ServeOptionsInput): Promise<RunningServer> {
  const parsed = ServeOptionsSchema.safeParse(input);
  if (!parsed.success) throw new GlimpseError('bad_config', `serve options: ${formatZodError(parsed.error)}`);
  const opts = parsed.data;
  const log = opts.log ?? ((line: string) => process.stderr.write(`glimpse serve: ${line}\n`));
  const scorerModule = opts.scorerModule ?? DEFAULT_SCORER_MODULE;
  const createScorer = await importScorer(scorerModule);

  /** Reads the folder and compiles every pipeline here, in the main thread, to validate. */
  const load = async (): Promise<Loaded> => {
    const sources = await readPipelineDir(opts.pipelinesDir);
    let scorer;
    try {
      scorer = await createScorer(sources);
    } catch (e) {
      if (isGlimpseError(e)) throw e;
      throw new GlimpseError('bad_config', `--pipelines ${opts.pipelinesDir}: ${describeError(e)}`);
    }
    const names = [...scorer.names];
    const specs: Record<string, unknown> = {};
    for (const s of sources) specs[s.name] = scorer.describe?.(s.name) ?? s.spec;
    return { sources, names, defaultPipeline: resolveDefault(names, opts.defaultPipeline), specs };
  };

  let current = await load();
  const metrics = new ServerMetrics({
    queueDepth: () => state.reading + pool.queued,
    inFlight: () => state.inFlight,
    busyWorkers: () => pool.busy,
    workers: () => pool.live,
    pipelines: () => current.names.length,
    busySeconds: () => pool.busySeconds,
  });
  const init = (): WorkerInit => ({
    scorerModule,
    pipelines: current.sources,
    ...(current.defaultPipeline !== undefined ? { defaultPipeline: current.defaultPipeline } : {}),
  });
  const pool = new WorkerPool({
    size: opts.workers ?? defaultWorkers(),
    init,
    stuckGraceMs: opts.stuckGraceMs,
    log,
    onRestart: (reason) => metrics.restarts.inc({ reason }),
  });
  try {
    await pool.start();
  } catch (e) {
    throw new GlimpseError('bad_config', `the scoring workers did not start: ${describeError(e)}`);
  }

  const state: HttpState = { draining: false, reading: 0, inFlight: 0 };
  const startedAt = Date.now();
  const handler = createHandler({
    pool,
    metrics,
    state,
    queueCap: opts.queue,
    deadlineMs: opts.deadlineMs,
    maxBodyBytes: opts.maxBodyBytes,
    ...(opts.apiKey !== undefined ? { checkKey: apiKeyChecker(opts.apiKey) } : {}),
    health: () => ({
      pipelines: current.names,
      default: current.defaultPipeline ?? null,
      workers: { live: pool.live, size: pool.size, busy: pool.busy },
      queue: state.reading + pool.queued,
      in_flight: state.inFlight,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
    }),
    pipelines: () => ({ default: current.defaultPipeline ?? null, pipelines: current.specs }),
    log,
  });
  const server: Server = createServer(
    { keepAliveTimeout: 5_000, requestTimeout: opts.deadlineMs + 5_000, headersTimeout: Math.min(60_000, opts.deadlineMs + 5_000) },
    (req, res) => handler(req, res),
  );
  server.on('checkContinue', (req, res) => handler(req, res, true));
  server.on('clientError', (err, socket) => {
    metrics.errors.inc({ reason: 'bad_http' });
    if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const msg = errorLine(err);
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(msg)}\r\nconnection: close\r\n\r\n${msg}`);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await pool.close();
    throw new GlimpseError('bad_config', `cannot listen on ${opts.host}:${opts.port}: ${describeError(e)}`);
  }
  server.on('error', (e) => log(`server error: ${describeError(e)}`));
  metrics.start();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (): ReturnType<RunningServer['reload']> => {
    const run = async (): ReturnType<RunningServer['reload']> => {
      let next: Loaded;
      try {
        next = await load();
      } catch (e) {
        const error = describeError(e);
        metrics.reloads.inc({ result: 'failed' });
        log(`reload failed, still serving ${current.names.join(', ')}: ${error}`);
        return { ok: false, error };
      }
      current = next;
      const errors = await pool.reload();
      for (const e of errors) log(`reload: ${e}`);
      metrics.reloads.inc({ result: 'ok' });
      log(`reloaded pipelines: ${current.names.join(', ')}`);
      return { ok: true, pipelines: [...current.names] };
    };
    const p = reloading.then(run, run);
    reloading = p;
    return p;
  };

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      state.draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (state.inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, opts.drainMs);
          state.onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await stopped;
      await pool.close();
      metrics.stop();
    })();
    return closing;
  };

  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    metrics,
    pipelines: () => [...current.names],
    defaultPipeline: () => current.defaultPipeline,
    workers: pool.size,
    reload,
    close,
  };
}

function errorLine(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? 'bad_http';
  return JSON.stringify({ error: { code: 'bad_http', message: `malformed HTTP request (${code})` } });
}
