import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/server.js';
import { post, sample, standIn } from './helpers.js';

describe('reward server over HTTP (stand-in scorer)', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    srv = await standIn({ defaultPipeline: 'match', workers: 2 });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('answers /healthz with the pipelines and workers', async () => {
    const res = await fetch(`${srv.url}/healthz`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as any;
    expect(h.status).toBe('ok');
    expect(h.pipelines).toEqual(['len', 'match']);
    expect(h.default).toBe('match');
    expect(h.workers.live).toBe(2);
  });

  it('scores a native batch in order with components and reasons', async () => {
    const items = [
      { id: 'a', completion: 'the answer is cat', sample: sample({ text: 'cat' }) },
      { id: 'b', completion: 'dog', sample: sample({ text: 'cat' }) },
      { completion: 'x'.repeat(50), sample: sample() },
    ];
    const r = await post(`${srv.url}/v1/rewards`, { items });
    expect(r.status).toBe(200);
    expect(r.json.pipeline).toBe('match');
    expect(r.json.results).toHaveLength(3);
    expect(r.json.results[0]).toEqual({ id: 'a', reward: 1 + 0.5 * 0.17, components: { 'stub.match': 1, 'stub.length': 0.17 }, reasons: {} });
    expect(r.json.results[1].reasons['stub.match']).toBe('answer not found');
    expect(r.json.results[2].components['stub.match']).toBeNull();
    expect(r.json.results[2].reward).toBeCloseTo(0.25);
    expect(r.json.results[2].id).toBeUndefined();
  });

  it('uses the named pipeline and rejects unknown ones with 404 listing the known', async () => {
    const ok = await post(`${srv.url}/v1/rewards`, { pipeline: 'len', items: [{ completion: 'abc', sample: sample() }] });
    expect(ok.json.results[0].components).toEqual({ 'stub.length': 0.03 });
    const bad = await post(`${srv.url}/v1/rewards`, { pipeline: 'nope', items: [] });
    expect(bad.status).toBe(404);
    expect(bad.json.error.code).toBe('unknown_pipeline');
    expect(bad.json.error.message).toContain('len, match');
  });

  it('answers OpenRLHF /get_reward: completion = query minus prompt, JSON and plain labels', async () => {
    const r = await post(`${srv.url}/get_reward`, {
      query: ['<s>Q1: name it. cat<|im_end|>', 'Q2? dog', 'no prompt here'],
      prompts: ['Q1: name it.', 'Q2?', 'zzz'],
      labels: [JSON.stringify({ answer: { text: 'cat' } }), 'cat', JSON.stringify({ answer: {}, pipeline: 'len' })],
    });
    expect(r.status).toBe(200);
    expect(r.json.rewards).toHaveLength(3);
    expect(r.json.rewards[0]).toBeCloseTo(1 + 0.5 * 0.04); // " cat"
    expect(r.json.rewards[1]).toBeCloseTo(0.5 * 0.04); // " dog": no cat
    expect(r.json.rewards[2]).toBeCloseTo(0.14); // whole query, len pipeline
    expect(r.json.scores[0]).toBe(1);
    expect(r.json.extra_logs['stub.match']).toEqual([1, 0, 0]);
    expect(r.json.extra_logs['stub.length'][2]).toBeCloseTo(0.14);
  });

  it('reads a string or number answer in a JSON label as {text} / {number}', async () => {
    const r = await post(`${srv.url}/get_reward`, { query: ['it is a cat', 'a dog'], labels: [JSON.stringify({ answer: 'cat' }), JSON.stringify({ answer: 7, pipeline: 'len' })] });
    expect(r.status).toBe(200);
    expect(r.json.extra_logs['stub.match']).toEqual([1, 0]);
  });

  it('says what is wrong: malformed JSON, wrong types, mismatched lengths, bad items', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['/get_reward', '{"query": [', 400, 'not valid JSON'],
      ['/get_reward', '', 400, 'empty'],
      ['/get_reward', [1, 2], 400, 'JSON object'],
      ['/get_reward', { query: 'abc' }, 400, '"query" must be an array'],
      ['/get_reward', { query: ['a', 'b'], prompts: ['a'] }, 400, '"prompts" has 1 entries'],
      ['/get_reward', { query: [1] }, 400, 'query[0]: must be a string'],
      ['/get_reward', { query: ['a'], labels: [{ answer: { bbox: [1, 2, 3] } }] }, 400, 'labels[0]'],
      ['/get_reward', { query: ['a'], labels: [JSON.stringify({ answer: {}, pipeline: 'zzz' })] }, 404, 'unknown pipeline "zzz"'],
      ['/v1/rewards', { items: 'x' }, 400, '"items" must be an array'],
      ['/v1/rewards', { item: [] }, 400, 'unknown field "item"'],
      ['/v1/rewards', { items: [{ completion: 5, sample: sample() }] }, 400, 'items[0]: completion: must be a string'],
      ['/v1/rewards', { items: [{ completion: 'a', sample: { id: 's', prompt: 'p', answer: { bbox: [0, 0, 'x', 1] } } }] }, 400, 'items[0]: sample: answer.bbox'],
      ['/v1/rewards', { items: [{ completion: 'a', sample: sample(), coords: { image_size: [-1, 2] } }] }, 400, 'items[0]: coords'],
    ];
    for (const [path, body, status, text] of cases) {
      const r = await post(`${srv.url}${path}`, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(r.json.error.message).toContain(text);
    }
  });

  it('answers unknown routes 404 and wrong methods 405', async () => {
    const a = await fetch(`${srv.url}/nope`);
    expect(a.status).toBe(404);
    const b = await fetch(`${srv.url}/get_reward`);
    expect(b.status).toBe(405);
    expect(b.headers.get('allow')).toBe('POST');
    const c = await fetch(`${srv.url}/healthz`, { method: 'POST', body: '{}' });
    expect(c.status).toBe(405);
  });

  it('exposes Prometheus metrics: requests, latency histogram, items, errors, queue depth', async () => {
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/glimpse_requests_total\{route="rewards",code="200"\} \d+/);
    expect(text).toMatch(/glimpse_request_duration_seconds_bucket\{route="get_reward",code="200",le="0.1"\} \d+/);
    expect(text).toMatch(/glimpse_items_scored_total\{pipeline="match"\} [1-9]/);
    expect(text).toMatch(/glimpse_errors_total\{reason="bad_json"\} [1-9]/);
    expect(text).toMatch(/glimpse_queue_depth 0/);
    expect(text).toContain('# TYPE glimpse_request_duration_seconds histogram');
  });
});
