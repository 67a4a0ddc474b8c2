import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../../src/server/server.js';
import { STAND_IN, pipelineDir, post, sample, standIn } from './helpers.js';

const LEN = 'rewards:\n  - name: stub.length\n';
const one = { items: [{ completion: 'abc', sample: sample() }] };

describe('server start-up validation', () => {
  const start = (dir: string, extra: Record<string, unknown> = {}) =>
    startServer({ pipelinesDir: dir, port: 0, workers: 1, scorerModule: STAND_IN, log: () => undefined, ...extra });

  it('refuses a bad pipeline, naming the file and the cause', async () => {
    const dir = pipelineDir({ 'good.yaml': LEN, 'broken.yaml': 'rewards:\n  - name: stub.nope\n' });
    await expect(start(dir)).rejects.toThrow(/broken\.yaml: rewards\[0\]: unknown reward "stub\.nope"; known rewards: stub\.length/);
  });

  it('refuses unparsable YAML, an empty folder, a missing folder, a bad --default', async () => {
    await expect(start(pipelineDir({ 'x.yaml': 'rewards: [\n' }))).rejects.toThrow(/x\.yaml: not valid YAML/);
    await expect(start(pipelineDir({ 'notes.txt': 'hi' }))).rejects.toThrow(/no pipeline files/);
    await expect(start('/nonexistent/glimpse-pipelines')).rejects.toThrow(/no such folder/);
    await expect(start(pipelineDir({ 'a.yaml': LEN, 'b.yaml': LEN }), { defaultPipeline: 'c' })).rejects.toThrow(/--default c: no such pipeline; pipelines: a, b/);
    await expect(start(pipelineDir({ 'a.yaml': LEN, 'a.json': '{"rewards": []}' }))).rejects.toThrow(/pipeline "a" is also defined/);
    await expect(start(pipelineDir({ 'a.yaml': '' }))).rejects.toThrow(/a\.yaml: the file is empty/);
    await expect(start(pipelineDir({ 'a.yaml': LEN }), { queue: -1 })).rejects.toThrow(/serve options: queue/);
  });

  it('uses the only pipeline as default; with several and no --default, requests must name one', async () => {
    const single = await standIn({}, { 'only.yaml': LEN });
    try {
      expect(single.defaultPipeline()).toBe('only');
      expect((await post(`${single.url}/v1/rewards`, one)).status).toBe(200);
    } finally {
      await single.close();
    }
    const multi = await standIn({}, { 'a.yaml': LEN, 'b.yaml': LEN });
    try {
      const r = await post(`${multi.url}/v1/rewards`, one);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('no pipeline named and the server has no --default; pipelines: a, b');
      const g = await post(`${multi.url}/get_reward`, { query: ['x'] });
      expect(g.status).toBe(400);
    } finally {
      await multi.close();
    }
  });
});

describe('hot reload and graceful shutdown', () => {
  it('reloads without dropping requests; a bad new pipeline keeps the old set', async () => {
    const dir = pipelineDir({ 'a.yaml': 'rewards:\n  - name: stub.slow\n    params: {ms: 30}\n' });
    const logs: string[] = [];
    const srv = await startServer({ pipelinesDir: dir, port: 0, workers: 2, scorerModule: STAND_IN, log: (l) => logs.push(l) });
    try {
      const inflight = Array.from({ length: 24 }, (_, i) => new Promise((r) => setTimeout(r, i * 10)).then(() => post(`${srv.url}/v1/rewards`, { pipeline: 'a', ...one })));
      await new Promise((r) => setTimeout(r, 60));
      writeFileSync(join(dir, 'b.yaml'), LEN);
      const res = await srv.reload();
      expect(res).toEqual({ ok: true, pipelines: ['a', 'b'] });
      const statuses = (await Promise.all(inflight)).map((r) => r.status);
      expect(statuses.every((s) => s === 200)).toBe(true);
      const b = await post(`${srv.url}/v1/rewards`, { pipeline: 'b', ...one });
      expect(b.status).toBe(200);
      expect(b.json.results[0].components).toEqual({ 'stub.length': 0.03 });

      writeFileSync(join(dir, 'c.yaml'), 'rewards:\n  - name: not.there\n');
      const bad = await srv.reload();
      expect(bad.ok).toBe(false);
      expect(!bad.ok && bad.error).toMatch(/c\.yaml: rewards\[0\]: unknown reward "not\.there"/);
      expect(logs.some((l) => l.includes('reload failed, still serving a, b'))).toBe(true);
      expect((await post(`${srv.url}/v1/rewards`, { pipeline: 'b', ...one })).status).toBe(200);
      expect(srv.pipelines()).toEqual(['a', 'b']);

      rmSync(join(dir, 'c.yaml'));
      rmSync(join(dir, 'b.yaml'));
      expect((await srv.reload()).ok).toBe(true);
      const gone = await post(`${srv.url}/v1/rewards`, { pipeline: 'b', ...one });
      expect(gone.status).toBe(404);
      const m = await (await fetch(`${srv.url}/metrics`)).text();
      expect(m).toContain('glimpse_reloads_total{result="ok"} 2');
      expect(m).toContain('glimpse_reloads_total{result="failed"} 1');
    } finally {
      await srv.close();
    }
  });

  it('close() lets in-flight requests finish and refuses new ones', async () => {
    const srv = await standIn({ workers: 1 }, { 'slow.yaml': 'rewards:\n  - name: stub.slow\n    params: {ms: 700}\n' });
    const inflight = post(`${srv.url}/v1/rewards`, one);
    await new Promise((r) => setTimeout(r, 150));
    const closing = srv.close();
    const late = await post(`${srv.url}/v1/rewards`, one).catch((e: Error) => ({ status: -1, json: e.message }));
    expect([-1, 503]).toContain(late.status);
    const r = await inflight;
    expect(r.status).toBe(200);
    await closing;
  });
});
