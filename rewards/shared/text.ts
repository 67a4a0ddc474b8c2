/**
 * Small helpers shared by the format, accuracy and shaping rewards: where the answer is read,
 * and the `source` param.
 */
import { z } from 'zod';
import { extractTag } from '../parse/index.js';

export const answerSourceParam = z
  .enum(['answer', 'completion'])
  .default('answer')
  .describe("'answer': inside the last <answer>…</answer> when there is one, else the whole completion; 'completion': the whole completion");

/** The text to parse: the last <answer> section (when `source` is 'answer' and one exists), else the completion. */
export function answerOf(completion: unknown, source: 'answer' | 'completion'): { text: string; from: 'answer' | 'completion' } {
  const c = typeof completion === 'string' ? completion : '';
  if (source === 'answer') {
    const t = extractTag(c, 'answer', { occurrence: 'last' });
    if (t.ok) return { text: t.value, from: 'answer' };
  }
  return { text: c, from: 'completion' };
}

/** The completion as a string (untyped callers may pass anything). */
export function textOf(completion: unknown): string {
  return typeof completion === 'string' ? completion : '';
}

/** `sample.answer` as a record, whatever the caller passed. */
export function answerRecord(sample: unknown): Record<string, unknown> {
  const a = (sample as { answer?: unknown } | null | undefined)?.answer;
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
}

/** Wraps a scorer so that an unexpected exception becomes `fallback` with a reason (the last line of defence). */
export function guard<A extends unknown[], R extends { score: number | null; reason?: string }>(name: string, fallback: number | null, fn: (...a: A) => R): (...a: A) => R | { score: number | null; reason: string } {
  return (...a: A) => {
    try {
      return fn(...a);
    } catch (e) {
      return { score: fallback, reason: `${name}: internal error (${e instanceof Error ? e.message.slice(0, 160) : String(e).slice(0, 160)})` };
    }
  };
}

/**
 * Memoises a per-params scorer factory by the params object, so that direct `score(input, params)`
 * calls (outside a compiled pipeline) do not rebuild regexes on every call.
 */
export function memoByParams<P extends object, F>(make: (p: P) => F): (p: P) => F {
  const cache = new WeakMap<P, F>();
  return (p) => {
    let f = cache.get(p);
    if (f === undefined) cache.set(p, (f = make(p)));
    return f;
  };
}
