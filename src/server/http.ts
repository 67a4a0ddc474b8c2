/**
 * The HTTP front of the reward server (node:http): routing, API key, admission control (bounded
 * queue -> 429 + Retry-After), request body limit (413), per-request deadline (504), and one
 * metrics record per answered request. Scoring itself happens in the worker pool.
 *
 * Routes: POST /get_reward (OpenRLHF), POST /v1/rewards (native), GET /v1/pipelines,
 * GET /healthz (no key needed), GET /metrics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../util/errors.js';
import type { ServerMetrics } from './metrics.js';
import { CancelledError, DeadlineError, PoolClosedError, WorkerLostError, type WorkerPool } from './pool.js';
import { errorBody, type JobResult, type JobRoute } from './protocol.js';

export interface HttpState {
  draining: boolean;
  /** Requests reading their body (admitted, not yet queued in the pool). */
  reading: number;
  /** Requests admitted and not yet answered. */
  inFlight: number;
  /** Called whenever inFlight drops to 0. */
  onIdle?: () => void;
}

export interface HttpContext {
  pool: WorkerPool;
  metrics: ServerMetrics;
  state: HttpState;
  queueCap: number;
  deadlineMs: number;
  maxBodyBytes: number;
  checkKey?: (headers: IncomingMessage['headers']) => boolean;
  /** Body of GET /healthz (when serving). */
  health(): Record<string, unknown>;
  /** Body of GET /v1/pipelines. */
  pipelines(): Record<string, unknown>;
  log(line: string): void;
}

const JOB_ROUTES: Record<string, JobRoute> = { '/get_reward': 'get_reward', '/v1/rewards': 'rewards' };
const GET_ROUTES = new Set(['/healthz', '/metrics', '/v1/pipelines']);
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The request handler for http.createServer (and its `checkContinue` event, with
 * `expectContinue` true: `100 Continue` is sent only once the request is admitted, so a refused
 * client never uploads its body). Never throws.
 */
export function createHandler(ctx: HttpContext): (req: IncomingMessage, res: ServerResponse, expectContinue?: boolean) => void {
  return (req, res, expectContinue = false) => {
    try {
      handle(ctx, req, res, expectContinue);
    } catch (e) {
      ctx.log(`internal error: ${describeError(e)}`);
      if (!res.headersSent) {
        try {
          res.writeHead(500, { 'content-type': JSON_TYPE, connection: 'close' }).end(errorBody('internal', 'internal server error'));
        } catch {
          res.destroy();
        }
      } else res.destroy();
    }
  };
}

function handle(ctx: HttpContext, req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
  const t0 = performance.now();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const jobRoute = JOB_ROUTES[path];
  const label = jobRoute ?? (GET_ROUTES.has(path) ? path.slice(1).replace('v1/', '') : 'other');
  let answered = false;

  const send = (status: number, body: string, headers: Record<string, string | number> = {}, reason?: string): void => {
    if (answered) return;
    answered = true;
    const h: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), ...headers };
    if (ctx.state.draining) h.connection = 'close';
    if (!res.destroyed && !res.headersSent) {
      res.writeHead(status, h);
      res.end(req.method === 'HEAD' ? undefined : body);
    }
    const code = String(status);
    ctx.metrics.requests.inc({ route: label, code });
    ctx.metrics.latency.observe({ route: label, code }, (performance.now() - t0) / 1000);
    if (reason) ctx.metrics.errors.inc({ reason });
  };
  const fail = (status: number, reason: string, message: string, headers: Record<string, string | number> = {}): void =>
    send(status, errorBody(reason, message), headers, reason);

  if (!jobRoute) {
    if (!GET_ROUTES.has(path)) {
      return fail(404, 'unknown_route', `no route ${req.method} ${path.slice(0, 100)}; routes: POST /get_reward, POST /v1/rewards, GET /v1/pipelines, GET /healthz, GET /metrics`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'method_not_allowed', `${path} takes GET`, { allow: 'GET, HEAD' });
    if (path === '/healthz') {
      const h = ctx.health();
      const ok = !ctx.state.draining && (h.workers as { live: number }).live > 0;
      return send(ok ? 200 : 503, JSON.stringify({ status: ctx.state.draining ? 'draining' : ok ? 'ok' : 'starting', ...h }));
    }
    if (ctx.checkKey && !ctx.checkKey(req.headers)) return unauthorized(fail);
    if (path === '/metrics') {
      const text = ctx.metrics.render();
      return send(200, text, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    }
    return send(200, JSON.stringify(ctx.pipelines()));
  }

  if (req.method !== 'POST') return fail(405, 'method_not_allowed', `${path} takes POST with a JSON body`, { allow: 'POST' });
  if (ctx.state.draining) return fail(503, 'shutting_down', 'the server is shutting down; retry on another replica', { 'retry-after': 1 });
  if (ctx.checkKey && !ctx.checkKey(req.headers)) return unauthorized(fail);
  const enc = req.headers['content-encoding'];
  if (enc !== undefined && enc.toLowerCase() !== 'identity') return fail(415, 'unsupported_encoding', `Content-Encoding ${enc.slice(0, 40)} is not supported; send plain JSON`);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > ctx.maxBodyBytes) {
    fail(413, 'too_large', `the body is ${declared} bytes; the limit is ${ctx.maxBodyBytes} (--max-body)`, { connection: 'close' });
    return hangUpAfter(req, res);
  }
  if (ctx.state.reading + ctx.pool.queued >= ctx.queueCap) {
    const retry = Math.max(1, Math.ceil(ctx.pool.estimateWaitMs() / 1000));
    return fail(429, 'queue_full', `the server is at capacity (${ctx.queueCap} requests waiting); retry after ${retry} s`, { 'retry-after': retry });
  }

  // admitted
  if (expectContinue) res.writeContinue();
  const state = ctx.state;
  state.inFlight++;
  state.reading++;
  let reading = true;
  let cancel: (() => void) | undefined;
  const stopReading = (): void => {
    if (reading) {
      reading = false;
      state.reading--;
    }
  };
  const deadlineAt = Date.now() + ctx.deadlineMs;
  const readTimer = setTimeout(() => {
    if (!reading) return;
    stopReading();
    fail(504, 'deadline', `the request body did not arrive within the ${ctx.deadlineMs} ms deadline`, { connection: 'close' });
    hangUpAfter(req, res);
  }, ctx.deadlineMs);

  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    clearTimeout(readTimer);
    stopReading();
    if (--state.inFlight === 0) state.onIdle?.();
  };
  res.on('close', () => {
    if (!answered) {
      // the client went away before its answer
      answered = true;
      ctx.metrics.errors.inc({ reason: 'client_closed' });
      cancel?.();
    }
    release();
  });

  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    if (!reading) return;
    size += c.length;
    if (size > ctx.maxBodyBytes) {
      chunks.length = 0;
      stopReading();
      fail(413, 'too_large', `the body is over ${ctx.maxBodyBytes} bytes (--max-body)`, { connection: 'close' });
      hangUpAfter(req, res);
      return;
    }
    chunks.push(c);
  });
  req.on('error', () => {
    chunks.length = 0;
    stopReading();
  });
  req.on('end', () => guarded(() => onEnd()));
  const onEnd = (): void => {
    if (!reading) return;
    stopReading();
    clearTimeout(readTimer);
    const body = new Uint8Array(new ArrayBuffer(size));
    let off = 0;
    for (const c of chunks) {
      body.set(c, off);
      off += c.length;
    }
    chunks.length = 0;
    const job = ctx.pool.run(jobRoute, body, deadlineAt);
    cancel = job.cancel;
    job.result.then(
      (r: JobResult) => {
        if (r.scored) for (const p in r.scored) ctx.metrics.items.inc({ pipeline: p }, r.scored[p]);
        send(r.status, r.body, {}, r.reason);
        release();
      },
      (e: unknown) => {
        if (e instanceof DeadlineError) fail(504, 'deadline', `${e.message}: no answer within the ${ctx.deadlineMs} ms deadline (--deadline-ms)`);
        else if (e instanceof WorkerLostError) fail(500, 'worker_lost', e.message);
        else if (e instanceof PoolClosedError) fail(503, 'shutting_down', e.message, { 'retry-after': 1 });
        else if (!(e instanceof CancelledError)) fail(500, 'internal', `internal error: ${describeError(e)}`);
        release();
      },
    );
  };
  /** Runs `f`; an exception (a bug of ours) answers 500 instead of ending the process. */
  const guarded = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      ctx.log(`internal error: ${describeError(e)}`);
      fail(500, 'internal', 'internal server error');
      release();
    }
  };
}

/**
 * After refusing a request whose body may still be arriving: once the answer is written, give
 * the client a second to read it, then close the connection whatever it is still sending.
 */
function hangUpAfter(req: IncomingMessage, res: ServerResponse): void {
  const cut = (): void => {
    setTimeout(() => req.socket?.destroy(), 1000).unref();
  };
  if (res.writableFinished) cut();
  else res.once('finish', cut);
}

function unauthorized(fail: (status: number, reason: string, message: string, headers?: Record<string, string | number>) => void): void {
  fail(401, 'unauthorized', 'missing or wrong API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"', { 'www-authenticate': 'Bearer' });
}
