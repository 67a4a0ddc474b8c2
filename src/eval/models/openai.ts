/**
 * A client for OpenAI-compatible chat endpoints (vLLM, SGLang, llama.cpp server, Ollama, OpenAI):
 * `POST {baseUrl}/chat/completions` with the prompt and images as base64 data URLs.
 *
 * - concurrency limit (requests in flight);
 * - retries with exponential backoff (base · 2^attempt, ±25 % jitter, capped) on 429, 5xx, timeouts
 *   and network errors, honouring `Retry-After` (seconds or HTTP date);
 * - a per-attempt timeout; a response over 16 MiB or without `choices[0].message` is an error;
 * - 401/403/404 stop the run (bad key, wrong URL or model name): GlimpseError('bad_config').
 *
 * @example
 *   const m = createOpenAIModel({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-VL-7B-Instruct' });
 *   const [g] = await m.generate([{ id: '1', prompt: 'Hi' }], { temperature: 0, maxTokens: 64 });
 */
import { GlimpseError } from '../../util/errors.js';
import type { EvalModel, EvalRequest, Generation, GenerateOptions, ImageInput, SamplingParams } from '../types.js';
import { toEncodedImage } from '../images.js';

export interface OpenAIModelOptions {
  /** e.g. `http://127.0.0.1:8000/v1` (the path before `/chat/completions`). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Retries after the first attempt (default 5, as OpenRLHF's remote reward client). */
  maxRetries?: number;
  /** Per-attempt timeout in ms (default 180 000). */
  timeoutMs?: number;
  /** First backoff in ms (default 1000); doubles each retry. */
  backoffMs?: number;
  /** Longest single wait in ms, also the cap on Retry-After (default 60 000). */
  maxBackoffMs?: number;
  /** Extra body fields (e.g. `{"chat_template_kwargs": {...}}`). */
  extraBody?: Record<string, unknown>;
  /** Injected for tests: the sleep used between retries. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Parses `openai:<base-url>#<model>`; GlimpseError('bad_config') when malformed. */
export function parseOpenAISpec(spec: string): { baseUrl: string; model: string } {
  const rest = spec.replace(/^openai:/, '');
  const hash = rest.lastIndexOf('#');
  const baseUrl = hash >= 0 ? rest.slice(0, hash) : rest;
  const model = hash >= 0 ? rest.slice(hash + 1) : '';
  let ok = false;
  try {
    const u = new URL(baseUrl);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok || model === '') {
    throw new GlimpseError(
      'bad_config',
      `--model "${spec}": expected openai:<base-url>#<model>, e.g. openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct`,
    );
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), model };
}

/** `Retry-After` in ms (delta-seconds or HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = Number(value.trim());
  if (Number.isFinite(s)) return s >= 0 ? s * 1000 : undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

class Fatal extends Error {}
class Retryable extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

async function imagePart(img: ImageInput): Promise<{ type: 'image_url'; image_url: { url: string } }> {
  const enc = await toEncodedImage(img);
  return { type: 'image_url', image_url: { url: `data:${enc.mime};base64,${Buffer.from(enc.bytes).toString('base64')}` } };
}

async function readBody(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response is over ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The completion text of a chat response, or an error message. */
export function completionText(body: string): { ok: true; text: string } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return { ok: false, error: `endpoint answered with something that is not JSON: ${JSON.stringify(body.slice(0, 80))}` };
  }
  const choice = (v as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as { message?: { content?: unknown }; text?: unknown } | undefined) : undefined;
  if (!first || (first.message === undefined && first.text === undefined)) {
    return { ok: false, error: `endpoint answer has no choices[0].message: ${JSON.stringify(body.slice(0, 80))}` };
  }
  const content = first.message?.content ?? first.text;
  if (content === null || content === undefined) return { ok: true, text: '' };
  if (typeof content === 'string') return { ok: true, text: content };
  if (Array.isArray(content)) {
    return { ok: true, text: content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('') };
  }
  return { ok: false, error: 'choices[0].message.content is neither text nor a list of parts' };
}

/** Creates the endpoint client. */
export function createOpenAIModel(o: OpenAIModelOptions): EvalModel {
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 8));
  const maxRetries = Math.max(0, Math.floor(o.maxRetries ?? 5));
  const timeoutMs = o.timeoutMs ?? 180_000;
  const backoffMs = o.backoffMs ?? 1000;
  const maxBackoffMs = o.maxBackoffMs ?? 60_000;
  const sleep = o.sleep ?? defaultSleep;
  const url = `${o.baseUrl.replace(/\/+$/, '')}/chat/completions`;

  async function attempt(body: string, signal?: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const sig = signal && typeof AbortSignal.any === 'function' ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
        body,
        signal: sig,
      });
    } catch (e) {
      if (signal?.aborted) throw new Fatal('aborted');
      if (timeout.aborted) throw new Retryable(`no answer within ${timeoutMs} ms`);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new Retryable(`cannot reach ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    let text: string;
    try {
      text = await readBody(res);
    } catch (e) {
      if (timeout.aborted) throw new Retryable(`answer not complete within ${timeoutMs} ms`);
      throw new Retryable(`reading the answer failed: ${(e as Error).message}`);
    }
    if (res.status === 429 || res.status >= 500) {
      throw new Retryable(`HTTP ${res.status}: ${text.slice(0, 120)}`, parseRetryAfter(res.headers.get('retry-after')));
    }
    if (res.status === 401 || res.status === 403) {
      throw new Fatal(`${url} refused the request (HTTP ${res.status}); set the API key in OPENAI_API_KEY or name its variable with --api-key-env`);
    }
    if (res.status === 404) {
      throw new Fatal(`${url}: HTTP 404 (wrong base URL or unknown model "${o.model}"): ${text.slice(0, 120)}`);
    }
    if (res.status >= 400) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    const c = completionText(text);
    if (!c.ok) throw new Error(c.error);
    return c.text;
  }

  async function one(req: EvalRequest, sampling: SamplingParams, signal?: AbortSignal): Promise<Generation> {
    const content: unknown[] = [];
    for (const img of req.images ?? []) content.push(await imagePart(img));
    content.push({ type: 'text', text: req.prompt });
    const messages: unknown[] = [];
    if (req.system) messages.push({ role: 'system', content: req.system });
    messages.push({ role: 'user', content });
    const body = JSON.stringify({
      model: o.model,
      messages,
      temperature: sampling.temperature,
      ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
      max_tokens: sampling.maxTokens,
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      n: 1,
      ...(o.extraBody ?? {}),
    });
    let lastError = '';
    for (let k = 0; k <= maxRetries; k++) {
      try {
        return { text: await attempt(body, signal) };
      } catch (e) {
        if (e instanceof Fatal) throw e;
        lastError = (e as Error).message;
        if (!(e instanceof Retryable) || k === maxRetries) break;
        const backoff = Math.min(maxBackoffMs, backoffMs * 2 ** k * (0.75 + Math.random() * 0.5));
        await sleep(e.retryAfterMs !== undefined ? Math.min(maxBackoffMs, e.retryAfterMs) : backoff);
      }
    }
    return { text: '', error: `${lastError} (after ${maxRetries + 1} attempt${maxRetries ? 's' : ''})` };
  }

  return {
    name: `openai:${o.baseUrl}#${o.model}`,
    needs: { media: true },
    async generate(requests, sampling, options: GenerateOptions = {}) {
      const out: Generation[] = new Array(requests.length);
      let next = 0;
      let fatal: Error | undefined;
      const worker = async () => {
        while (fatal === undefined && next < requests.length) {
          const i = next++;
          try {
            out[i] = await one(requests[i]!, sampling, options.signal);
          } catch (e) {
            fatal ??= e as Error;
            return;
          }
          await options.onResult?.(i, out[i]!);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
      if (fatal) throw fatal instanceof Fatal ? new GlimpseError('bad_config', fatal.message) : fatal;
      return out;
    },
  };
}
