import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { completionText, createOpenAIModel, parseOpenAISpec, parseRetryAfter } from '../../../src/eval/models/openai.js';
import { resolveModel } from '../../../src/eval/models/index.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { jpeg } from './helpers.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function fake(handler: Handler): Promise<string> {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res, n++));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

function ok(res: ServerResponse, content: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
}

const sampling = { temperature: 0, maxTokens: 32 };

describe('OpenAI-compatible client', () => {
  it('sends the prompt, images as base64 data URLs, sampling and the API key', async () => {
    let seen: { auth?: string; body?: Record<string, unknown>; path?: string } = {};
    const url = await fake((req, body, res) => {
      seen = { auth: req.headers.authorization, body: JSON.parse(body), path: req.url };
      ok(res, '<answer>[1, 2, 3, 4]</answer>');
    });
    const img = await jpeg(8, 6);
    const m = createOpenAIModel({ baseUrl: url, model: 'qwen-vl', apiKey: 'sk-test' });
    const [g] = await m.generate([{ id: 'a', prompt: 'Find the cat', images: [{ mime: 'image/jpeg', bytes: img }, { width: 2, height: 1, data: new Uint8Array(6) }] }], { temperature: 0.7, maxTokens: 99, topP: 0.9, seed: 3 });
    expect(g).toEqual({ text: '<answer>[1, 2, 3, 4]</answer>' });
    expect(seen.path).toBe('/v1/chat/completions');
    expect(seen.auth).toBe('Bearer sk-test');
    const body = seen.body!;
    expect(body.model).toBe('qwen-vl');
    expect(body.temperature).toBe(0.7);
    expect(body.max_tokens).toBe(99);
    expect(body.top_p).toBe(0.9);
    expect(body.seed).toBe(3);
    const content = (body.messages as Array<{ content: Array<{ type: string; text?: string; image_url?: { url: string } }> }>)[0]!.content;
    expect(content.map((c) => c.type)).toEqual(['image_url', 'image_url', 'text']);
    expect(content[0]!.image_url!.url).toBe(`data:image/jpeg;base64,${Buffer.from(img).toString('base64')}`);
    expect(content[1]!.image_url!.url.startsWith('data:image/png;base64,iVBOR')).toBe(true); // raw RGB encoded to PNG
    expect(content[2]!.text).toBe('Find the cat');
    await m.generate([{ id: 'b', prompt: 'Hi', system: 'You are terse.' }], sampling);
    expect((seen.body!.messages as Array<{ role: string; content: unknown }>)[0]).toEqual({ role: 'system', content: 'You are terse.' });
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    const waits: number[] = [];
    const url = await fake((_req, _body, res, n) => {
      if (n === 0) {
        res.writeHead(429, { 'retry-after': '2' });
        res.end('slow down');
      } else ok(res, 'fine');
    });
    const m = createOpenAIModel({ baseUrl: url, model: 'm', sleep: async (ms) => void waits.push(ms) });
    const [g] = await m.generate([{ id: 'a', prompt: 'x' }], sampling);
    expect(g).toEqual({ text: 'fine' });
    expect(waits).toEqual([2000]);
  });

  it('backs off exponentially on 5xx and gives up after the retries, as a per-sample error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const url = await fake((_req, _body, res) => {
      calls++;
      res.writeHead(503);
      res.end('overloaded');
    });
    const m = createOpenAIModel({ baseUrl: url, model: 'm', maxRetries: 3, backoffMs: 100, sleep: async (ms) => void waits.push(ms) });
    const [g] = await m.generate([{ id: 'a', prompt: 'x' }], sampling);
    expect(calls).toBe(4);
    expect(g!.text).toBe('');
    expect(g!.error).toMatch(/HTTP 503.*after 4 attempts/);
    expect(waits).toHaveLength(3);
    // 100·2^k with ±25 % jitter
    waits.forEach((w, k) => {
      expect(w).toBeGreaterThanOrEqual(100 * 2 ** k * 0.75);
      expect(w).toBeLessThanOrEqual(100 * 2 ** k * 1.25);
    });
  });

  it('times out on a server that never answers', async () => {
    const url = await fake(() => undefined); // hangs
    const m = createOpenAIModel({ baseUrl: url, model: 'm', timeoutMs: 150, maxRetries: 1, sleep: async () => undefined });
    const [g] = await m.generate([{ id: 'a', prompt: 'x' }], sampling);
    expect(g!.error).toMatch(/no answer within 150 ms.*after 2 attempts/);
  });

  it('reports garbage answers as per-sample errors without retrying', async () => {
    let calls = 0;
    const url = await fake((_req, _body, res, n) => {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(n === 0 ? '<html>oops' : '{"choices": []}');
    });
    const m = createOpenAIModel({ baseUrl: url, model: 'm', concurrency: 1, sleep: async () => undefined });
    const gs = await m.generate([{ id: 'a', prompt: 'x' }, { id: 'b', prompt: 'y' }], sampling);
    expect(calls).toBe(2);
    expect(gs[0]!.error).toMatch(/not JSON/);
    expect(gs[1]!.error).toMatch(/no choices\[0\]\.message/);
  });

  it('stops the run on 401 with a message about the API key', async () => {
    const url = await fake((_req, _body, res) => {
      res.writeHead(401);
      res.end('bad key');
    });
    const m = createOpenAIModel({ baseUrl: url, model: 'm' });
    const err = await m.generate([{ id: 'a', prompt: 'x' }], sampling).catch((e: unknown) => e);
    expect(isGlimpseError(err)).toBe(true);
    expect((err as Error).message).toMatch(/HTTP 401.*OPENAI_API_KEY/);
  });

  it('keeps at most `concurrency` requests in flight and returns answers in request order', async () => {
    let inFlight = 0;
    let peak = 0;
    const url = await fake((_req, body, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const prompt = (JSON.parse(body).messages[0].content as Array<{ text?: string }>).at(-1)!.text!;
      setTimeout(() => {
        inFlight--;
        ok(res, `echo ${prompt}`);
      }, 20 + (prompt.length % 3) * 10);
    });
    const m = createOpenAIModel({ baseUrl: url, model: 'm', concurrency: 3 });
    const order: number[] = [];
    const reqs = Array.from({ length: 10 }, (_, i) => ({ id: String(i), prompt: `p${'x'.repeat(i)}` }));
    const gs = await m.generate(reqs, sampling, { onResult: (i) => void order.push(i) });
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    expect(gs.map((g) => g.text)).toEqual(reqs.map((r) => `echo ${r.prompt}`));
    expect([...order].sort((a, b) => a - b)).toEqual(reqs.map((_, i) => i));
  });

  it('answers an unreachable endpoint with a per-sample error naming it', async () => {
    const m = createOpenAIModel({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', maxRetries: 0 });
    const [g] = await m.generate([{ id: 'a', prompt: 'x' }], sampling);
    expect(g!.error).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions/);
  });
});

describe('OpenAI helpers', () => {
  it('parses model specs and rejects malformed ones', () => {
    expect(parseOpenAISpec('openai:http://h:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct')).toEqual({ baseUrl: 'http://h:8000/v1', model: 'Qwen/Qwen2.5-VL-7B-Instruct' });
    for (const bad of ['openai:', 'openai:http://h:8000/v1', 'openai:ftp://h#m', 'openai:not a url#m', 'openai:#m']) {
      expect(() => parseOpenAISpec(bad)).toThrow(/expected openai:<base-url>#<model>/);
    }
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
  });

  it('reads completion text from strings, part lists, null content and legacy text', () => {
    expect(completionText('{"choices":[{"message":{"content":"hi"}}]}')).toEqual({ ok: true, text: 'hi' });
    expect(completionText('{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}')).toEqual({ ok: true, text: 'ab' });
    expect(completionText('{"choices":[{"message":{"content":null}}]}')).toEqual({ ok: true, text: '' });
    expect(completionText('{"choices":[{"text":"legacy"}]}')).toEqual({ ok: true, text: 'legacy' });
    expect(completionText('').ok).toBe(false);
    expect(completionText('null').ok).toBe(false);
    expect(completionText('{"choices":[{"message":{"content":42}}]}').ok).toBe(false);
    expect(completionText('x'.repeat(1_000_000)).ok).toBe(false);
  });
});

describe('resolveModel', () => {
  it('refuses a policy folder that does not exist, naming the presets', async () => {
    const err = await resolveModel('./models/no-such-model', undefined).catch((e: unknown) => e);
    expect(isGlimpseError(err) && err.code).toBe('not_found');
    expect((err as Error).message).toMatch(/not a preset \(glimpse-tiny\)/);
  });

  it('reads the key from OPENAI_API_KEY or the variable named by --api-key-env', async () => {
    await expect(resolveModel('openai:http://h/v1#m', undefined, { apiKeyEnv: 'MY_KEY', env: {} })).rejects.toThrow(/MY_KEY is not set/);
    const m = await resolveModel('openai:http://h/v1#m', undefined, { env: {} });
    expect(m.name).toBe('openai:http://h/v1#m');
  });

  it('points bare URLs to the openai: form and requires a model', async () => {
    await expect(resolveModel('http://h:8000/v1', undefined)).rejects.toThrow(/openai:http:\/\/h:8000\/v1#<model>/);
    await expect(resolveModel(undefined, undefined)).rejects.toThrow(/no model/);
    await expect(resolveModel('oracle', 'p.jsonl')).rejects.toThrow(/either --model or --predictions/);
  });
});
