/**
 * Reads a Media item's content for the text-based adapters (svg, timeseries, scene3d): a file
 * (`path`, relative to `baseDir`) or inline `data` (text for SVG/CSV/JSON; base64 — optionally a
 * `data:` URL — for binary PLY). The size limit is checked before reading.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Media } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';

export interface MediaBytes {
  bytes: Uint8Array;
  /** The path as given, or `<inline KIND>`; used in error messages. */
  name: string;
  isPath: boolean;
}

/**
 * Reads `media`. `inline: 'text'` takes `data` as UTF-8 text; `'auto'` decodes a `data:` URL or,
 * for `base64:`-prefixed data, base64, else takes it as text. GlimpseError codes: `bad_input`,
 * `not_found`, `too_large`, `corrupt` (empty).
 */
export async function readMediaBytes(
  media: Media,
  opts: { kind: string; baseDir?: string; maxBytes: number; inline?: 'text' | 'auto' },
): Promise<MediaBytes> {
  if (!media || typeof media !== 'object') throw new GlimpseError('bad_input', `${opts.kind} media: expected an object with "path" or "data"`);
  if (media.kind !== opts.kind) throw new GlimpseError('bad_input', `${opts.kind} adapter: media kind is "${String(media.kind)}"`);
  if (typeof media.path === 'string') {
    const name = media.path;
    if (name.length === 0 || name.includes('\0')) throw new GlimpseError('bad_input', `${opts.kind} media: bad "path" ${JSON.stringify(name.slice(0, 80))}`);
    const path = isAbsolute(name) || !opts.baseDir ? name : resolve(opts.baseDir, name);
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new GlimpseError('bad_input', `${name}: not a regular file`);
      size = st.size;
    } catch (e) {
      if (e instanceof GlimpseError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'bad_input', `${name}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`);
    }
    if (size > opts.maxBytes) throw new GlimpseError('too_large', `${name}: ${size} bytes exceeds the limit of ${opts.maxBytes} bytes`);
    if (size === 0) throw new GlimpseError('corrupt', `${name}: empty file`);
    return { bytes: new Uint8Array(await readFile(path)), name, isPath: true };
  }
  if (typeof media.data === 'string') {
    const name = `<inline ${opts.kind}>`;
    let s = media.data;
    let bytes: Uint8Array;
    const dataUrl = /^data:[^,]*;base64,/.exec(s.slice(0, 200));
    if (opts.inline !== 'text' && (dataUrl || s.startsWith('base64:'))) {
      s = s.slice(dataUrl ? dataUrl[0].length : 7).replace(/\s+/g, '');
      if (Math.floor((s.length * 3) / 4) > opts.maxBytes) throw new GlimpseError('too_large', `${name}: ~${Math.floor((s.length * 3) / 4)} bytes exceeds the limit of ${opts.maxBytes} bytes`);
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new GlimpseError('corrupt', `${name}: "data" is not base64`);
      bytes = new Uint8Array(Buffer.from(s, 'base64'));
    } else {
      bytes = new Uint8Array(Buffer.from(s, 'utf8'));
      if (bytes.length > opts.maxBytes) throw new GlimpseError('too_large', `${name}: ${bytes.length} bytes exceeds the limit of ${opts.maxBytes} bytes`);
    }
    if (bytes.length === 0) throw new GlimpseError('corrupt', `${name}: empty data`);
    return { bytes, name, isPath: false };
  }
  throw new GlimpseError('bad_input', `${opts.kind} media: needs a string "path" or "data"`);
}
