import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/server.js';
import { post, sample, standIn } from './helpers.js';

const SLOW = (ms: number) => `rewards:\n  - name: stub.slow\n    params: {ms: ${ms}}\n`;
const LEN = 'rewards:\n  - name: stub.length\n';
const one = { items: [{ completion: 'abc', sample: sample() }] };

/** Raw request with a declared Content-Length and an optional streamed body. */
function rawPost(url: string, headers: Record<string, string | number>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/rewards`, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let i = 0;
    const next = (): void => {
      if (i >= chunks.length) return void req.end();
      req.write(chunks[i++]!, (err) => (err ? undefined : setImmediate(next)));
    };
    next();
  });
}

async function waitLive(srv: RunningServer, n: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const h = (await (await fetch(`${srv.url}/healthz`)).json()) as any;
    if (h.workers.live >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('workers did not come back');
}

describe('server limits', () => {
  let srv: RunningServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('rejects bodies over --max-body with 413, declared or streamed, and keeps serving', async () => {
    srv = await standIn({ maxBodyBytes: 1000, defaultPipeline: 'len' });
    const declared = await rawPost(srv.url, { 'content-length': 200_000, 'content-type': 'application/json' }, [Buffer.alloc(200_000, 32)]);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toContain('the body is 200000 bytes; the limit is 1000');
    const streamed = await rawPost(srv.url, { 'transfer-encoding': 'chunked' }, Array.from({ length: 10 }, () => Buffer.alloc(300, 32)));
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).error.message).toContain('1000');
    const big = await post(`${srv.url}/v1/rewards`, { items: [{ completion: 'x'.repeat(2000), sample: sample() }] });
    expect(big.status).toBe(413);
    const ok = await post(`${srv.url}/v1/rewards`, one);
    expect(ok.status).toBe(200);
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toMatch(/glimpse_errors_total\{reason="too_large"\} [2-9]/);
  });

  it('answers 429 with Retry-After at once when the queue is full', async () => {
    srv = await standIn({ queue: 1, workers: 1 }, { 'slow.yaml': SLOW(600) });
    // the worker runs one request and holds one more; the queue holds a third
    const admitted: Array<ReturnType<typeof post>> = [];
    for (let i = 0; i < 3; i++) {
      admitted.push(post(`${srv.url}/v1/rewards`, one));
      await new Promise((r) => setTimeout(r, 120));
    }
    const t0 = performance.now();
    const refused = await post(`${srv.url}/v1/rewards`, one);
    const took = performance.now() - t0;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.json.error.code).toBe('queue_full');
    expect(took).toBeLessThan(400); // it did not wait for the 600 ms jobs
    for (const a of admitted) expect((await a).status).toBe(200);
  });

  it('answers 504 at the deadline, replaces a stuck worker, then serves again', async () => {
    srv = await standIn({ deadlineMs: 800, stuckGraceMs: 200, workers: 1 }, { 'slow.yaml': SLOW(20_000), 'len.yaml': LEN });
    const t0 = performance.now();
    const r = await post(`${srv.url}/v1/rewards`, { pipeline: 'slow', ...one });
    expect(r.status).toBe(504);
    expect(r.json.error.message).toContain('800 ms deadline');
    expect(performance.now() - t0).toBeLessThan(5000);
    await new Promise((res) => setTimeout(res, 400));
    await waitLive(srv, 1);
    const ok = await post(`${srv.url}/v1/rewards`, { pipeline: 'len', ...one });
    expect(ok.status).toBe(200);
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toContain('glimpse_worker_restarts_total{reason="stuck"} 1');
    expect(m).toMatch(/glimpse_errors_total\{reason="deadline"\} 1/);
  });

  it('a request queued past its deadline gets 504 without reaching a worker', async () => {
    srv = await standIn({ deadlineMs: 1000, stuckGraceMs: 60_000, workers: 1 }, { 'slow.yaml': SLOW(2500) });
    const running = post(`${srv.url}/v1/rewards`, one);
    await new Promise((r) => setTimeout(r, 100));
    const queued = await post(`${srv.url}/v1/rewards`, one);
    expect(queued.status).toBe(504);
    expect(queued.json.error.message).toContain('waiting for a worker');
    const first = await running;
    expect(first.status).toBe(504);
    expect(first.json.error.message).toContain('being scored');
  });

  it('a worker that dies answers 500 and is replaced; a throwing pipeline answers 500', async () => {
    srv = await standIn({ workers: 1 }, { 'exit.yaml': 'rewards:\n  - name: stub.exit\n', 'throw.yaml': 'rewards:\n  - name: stub.throw\n', 'len.yaml': LEN });
    const dead = await post(`${srv.url}/v1/rewards`, { pipeline: 'exit', ...one });
    expect(dead.status).toBe(500);
    expect(dead.json.error.code).toBe('worker_lost');
    await waitLive(srv, 1);
    const threw = await post(`${srv.url}/v1/rewards`, { pipeline: 'throw', ...one });
    expect(threw.status).toBe(500);
    expect(threw.json.error.message).toContain('stub.throw was asked to throw');
    const ok = await post(`${srv.url}/v1/rewards`, { pipeline: 'len', ...one });
    expect(ok.status).toBe(200);
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toContain('glimpse_worker_restarts_total{reason="crashed"} 1');
  });

  it('checks the API key (Bearer or X-API-Key); /healthz stays open', async () => {
    srv = await standIn({ apiKey: 's3cret-key', defaultPipeline: 'len' });
    expect((await post(`${srv.url}/v1/rewards`, one)).status).toBe(401);
    expect((await post(`${srv.url}/v1/rewards`, one, { authorization: 'Bearer s3cret-kez' })).status).toBe(401);
    expect((await post(`${srv.url}/v1/rewards`, one, { authorization: 'Bearer s3cret-key-longer' })).status).toBe(401);
    expect((await post(`${srv.url}/v1/rewards`, one, { authorization: 'Bearer s3cret-key' })).status).toBe(200);
    expect((await post(`${srv.url}/get_reward`, { query: ['a'] }, { 'x-api-key': 's3cret-key' })).status).toBe(200);
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });

  it('a body that never arrives gets 504 at the deadline and frees its slot (slow loris)', async () => {
    srv = await standIn({ deadlineMs: 500, defaultPipeline: 'len', queue: 1 });
    const url = new URL(srv.url);
    const reply = await new Promise<string>((resolve) => {
      const s = connect(Number(url.port), url.hostname, () => s.write('POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"items"'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      setTimeout(() => s.destroy(), 5000);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 504/);
    expect(reply).toContain('did not arrive within the 500 ms deadline');
    const h = (await (await fetch(`${srv.url}/healthz`)).json()) as any;
    expect(h.in_flight).toBe(0);
    expect((await post(`${srv.url}/v1/rewards`, one)).status).toBe(200);
  });

  it('drops a queued request whose client went away', async () => {
    srv = await standIn({ workers: 1 }, { 'slow.yaml': SLOW(600) });
    const first = post(`${srv.url}/v1/rewards`, one);
    await new Promise((r) => setTimeout(r, 150));
    const ac = new AbortController();
    const gone = fetch(`${srv.url}/v1/rewards`, { method: 'POST', body: JSON.stringify(one), signal: ac.signal }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    expect(await gone).toBe('aborted');
    expect((await first).status).toBe(200);
    await new Promise((r) => setTimeout(r, 800));
    const m = await (await fetch(`${srv.url}/metrics`)).text();
    expect(m).toContain('glimpse_errors_total{reason="client_closed"} 1');
    expect(m).toContain('glimpse_items_scored_total{pipeline="slow"} 1'); // the dropped one never ran
    expect(m).toContain('glimpse_in_flight_requests 0');
  });

  it('sends 100 Continue only to admitted requests (Expect: 100-continue)', async () => {
    srv = await standIn({ defaultPipeline: 'len', maxBodyBytes: 10_000 });
    const url = new URL(srv.url);
    const talk = (head: string, body?: string): Promise<string> =>
      new Promise((resolve) => {
        const s = connect(Number(url.port), url.hostname, () => s.write(head));
        let got = '';
        s.on('data', (d) => {
          got += d.toString();
          if (body !== undefined && got.startsWith('HTTP/1.1 100')) {
            s.write(body);
            body = undefined;
          }
          if (/\r\n\r\n[\s\S]*\}$/.test(got.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''))) s.end();
        });
        s.on('close', () => resolve(got));
        setTimeout(() => s.destroy(), 5000);
      });
    const body = JSON.stringify(one);
    const ok = await talk(`POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`, body);
    expect(ok).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200/);
    const big = await talk(`POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 413/);
  });

  it('refuses compressed bodies with 415', async () => {
    srv = await standIn({ defaultPipeline: 'len' });
    const r = await post(`${srv.url}/v1/rewards`, one, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
  });
});
