/**
 * Where a Media item's bytes are: a path (relative to `baseDir`, the dataset file's folder) or
 * inline base64 `data` (a `data:` URL prefix is accepted). Shared by the image and video adapters.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Media } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';

export type MediaSource = { kind: 'path'; path: string; name: string } | { kind: 'bytes'; bytes: Uint8Array; name: string };

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Resolves `media` to a path or decoded bytes. `maxBytes` bounds inline data (checked on the
 * base64 length before decoding). Bad media is GlimpseError('bad_input' | 'corrupt' | 'too_large').
 */
export function mediaSource(media: Media, opts: { baseDir?: string; maxBytes: number; kind: string }): MediaSource {
  if (!media || typeof media !== 'object') throw new GlimpseError('bad_input', `${opts.kind} media: expected an object with "path" or "data"`);
  if (media.kind !== opts.kind) throw new GlimpseError('bad_input', `${opts.kind} adapter: media kind is "${String(media.kind)}"`);
  if (typeof media.path === 'string') {
    if (media.path.length === 0) throw new GlimpseError('bad_input', `${opts.kind} media: empty "path"`);
    if (media.path.includes('\0')) throw new GlimpseError('bad_input', `${opts.kind} media: "path" contains a NUL byte`);
    const path = isAbsolute(media.path) || !opts.baseDir ? media.path : resolve(opts.baseDir, media.path);
    return { kind: 'path', path, name: media.path };
  }
  if (typeof media.data === 'string') {
    const name = `<inline ${opts.kind}>`;
    let s = media.data;
    const comma = s.startsWith('data:') ? s.indexOf(',') : -1;
    if (comma >= 0) s = s.slice(comma + 1);
    s = s.replace(/\s+/g, '');
    if (s.length === 0) throw new GlimpseError('corrupt', `${name}: empty data`);
    if (Math.floor((s.length * 3) / 4) > opts.maxBytes) throw new GlimpseError('too_large', `${name}: ~${Math.floor((s.length * 3) / 4)} bytes exceeds the limit of ${opts.maxBytes} bytes`);
    if (!BASE64_RE.test(s)) throw new GlimpseError('corrupt', `${name}: "data" is not base64`);
    const bytes = new Uint8Array(Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64'));
    if (bytes.length === 0) throw new GlimpseError('corrupt', `${name}: empty data`);
    return { kind: 'bytes', bytes, name };
  }
  throw new GlimpseError('bad_input', `${opts.kind} media: needs a string "path" or "data"`);
}

/** A short name for `media` in messages: its path, or `<inline kind>`. */
export function mediaName(media: Media, kind: string): string {
  return media && typeof media === 'object' && typeof media.path === 'string' && media.path ? media.path : `<inline ${kind}>`;
}

/**
 * Runs `fn`; a GlimpseError whose message does not name the media gets `name: ` in front, so
 * every error of an adapter names its file.
 */
export async function namingErrors<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GlimpseError && !e.message.includes(name)) throw new GlimpseError(e.code, `${name}: ${e.message}`, e.hint, { cause: e });
    throw e;
  }
}
