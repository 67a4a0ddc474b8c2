/**
 * Fuzz: random bodies, paths, methods and headers to a live server on 127.0.0.1 (ephemeral
 * port), plus raw random bytes on the socket. Afterwards /healthz answers, scoring still works,
 * and the main thread's heap is back near where it started.
 */
import fc from 'fast-check';
import { request } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/server.js';
import { post, sample, standIn } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function send(url: URL, method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.on('error', () => resolve(-1));
    req.on('timeout', () => {
      req.destroy();
      resolve(-2);
    });
    req.end(body);
  });
}

function raw(url: URL, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(Number(url.port), url.hostname);
    const done = (): void => {
      s.destroy();
      resolve();
    };
    s.setTimeout(5000, done);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => undefined);
    s.end(bytes);
  });
}

const jsonish = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.record({
    query: fc.array(fc.oneof(fc.string(), fc.jsonValue()), { maxLength: 8 }),
    prompts: fc.option(fc.array(fc.oneof(fc.string(), fc.jsonValue()), { maxLength: 8 })),
    labels: fc.option(fc.array(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify({ answer: v })), fc.jsonValue()), { maxLength: 8 })),
  }).map((v) => JSON.stringify(v)),
  fc.record({
    pipeline: fc.option(fc.oneof(fc.constantFrom('len', 'match'), fc.string())),
    items: fc.array(fc.record({ completion: fc.oneof(fc.string(), fc.jsonValue()), sample: fc.oneof(fc.jsonValue(), fc.constant(sample({ bbox: [1, 2, 3, 4] }))), coords: fc.option(fc.jsonValue()) }), { maxLength: 8 }),
  }).map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => (JSON.stringify(v) ?? '').slice(0, -1)), // truncated
);

describe('fuzzing a live server', () => {
  let srv: RunningServer;
  let url: URL;
  beforeAll(async () => {
    srv = await standIn({ defaultPipeline: 'match', workers: 2, maxBodyBytes: 64 * 1024, queue: 16 });
    url = new URL(srv.url);
  });
  afterAll(async () => {
    await srv.close();
  });

  it('survives random requests and raw bytes; health, scoring and heap stay fine', async () => {
    // warm up, then measure the heap
    await post(`${srv.url}/v1/rewards`, { items: [{ completion: 'cat', sample: sample({ text: 'cat' }) }] });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'),
        fc.oneof(
          { arbitrary: fc.constantFrom('/get_reward', '/v1/rewards', '/get_reward?x=1'), weight: 6 },
          { arbitrary: fc.constantFrom('/healthz', '/metrics', '/v1/pipelines', '//', '/v1/rewards/'), weight: 1 },
          { arbitrary: fc.webPath(), weight: 1 },
        ),
        fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), fc.stringMatching(/^[\x20-\x7e]{0,60}$/), { maxKeys: 5 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        jsonish,
        async (method, path, headers, ctype, body) => {
          const h = { ...headers, ...(ctype ? { 'content-type': ctype } : {}) };
          const status = await send(url, method, path.startsWith('/') ? path : `/${path}`, h, Buffer.from(body));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          // every answer is a real HTTP status; nothing hangs or resets
          expect(status).toBeGreaterThanOrEqual(200);
          expect(status).toBeLessThan(600);
          expect(status).not.toBe(500);
        },
      ),
      { numRuns: 400 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
          fc.string({ maxLength: 400 }).map((s) => Buffer.from(`POST /get_reward HTTP/1.1\r\nHost: x\r\n${s}\r\n\r\n{}`)),
          fc.nat({ max: 1e12 }).map((n) => Buffer.from(`POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: ${n}\r\n\r\n{"items": [`)),
          fc.string({ maxLength: 100 }).map((s) => Buffer.from(`POST /v1/rewards HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${s}`)),
        ),
        async (bytes) => {
          await raw(url, bytes);
        },
      ),
      { numRuns: 150 },
    );
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);

    const health = await fetch(`${srv.url}/healthz`);
    expect(health.status).toBe(200);
    const h = (await health.json()) as any;
    expect(h.workers.live).toBe(2);
    expect(h.in_flight).toBe(0);
    expect(h.queue).toBe(0);
    const ok = await post(`${srv.url}/v1/rewards`, { items: [{ completion: 'cat', sample: sample({ text: 'cat' }) }] });
    expect(ok.json.results[0].reward).toBeCloseTo(1 + 0.5 * 0.03);

    gc();
    const grown = process.memoryUsage().heapUsed - heapBefore;
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    // the metrics' label sets did not grow with the random paths
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    const routes = new Set([...m.matchAll(/glimpse_requests_total\{route="([^"]+)"/g)].map((x) => x[1]));
    expect([...routes].every((r) => ['get_reward', 'rewards', 'healthz', 'metrics', 'pipelines', 'other'].includes(r!))).toBe(true);
  });
});
