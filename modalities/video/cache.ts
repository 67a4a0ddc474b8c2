/**
 * The on-disk frame cache: prepared frames keyed by the video's CONTENT (SHA-256 of its bytes, so
 * a renamed or copied file hits and an edited one misses) and by every parameter that changes the
 * frames (sampling, resize, pixel bounds). One folder per entry — `meta.json` plus one PNG per
 * frame — written to a temporary folder and renamed into place, so readers never see half an
 * entry. A damaged entry counts as a miss.
 *
 * Location: `options.cache.dir`, else `$GLIMPSE_CACHE_DIR/frames`, else `<tmpdir>/glimpse-cache/frames`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../image/encode.js';
import { loadImage } from '../image/load.js';
import type { PreparedImage } from '../types.js';

const VERSION = 1;

/** The default cache folder. */
export function defaultFrameCacheDir(): string {
  const base = process.env.GLIMPSE_CACHE_DIR || join(tmpdir(), 'glimpse-cache');
  return join(base, 'frames');
}

const memo = new Map<string, string>();
const MEMO_MAX = 1024;

/**
 * SHA-256 (hex) of a file's bytes, streamed. Remembered per process by (path, device, inode, size,
 * mtime), so a training loop that prepares the same video again does not re-read it; any change
 * to the file changes the stat and forces a fresh hash.
 */
export async function hashFile(path: string): Promise<string> {
  const s = await stat(path);
  const id = `${path}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  const known = memo.get(id);
  if (known) return known;
  const h = await hashBytes(path);
  if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value!);
  memo.set(id, h);
  return h;
}

function hashBytes(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** The entry key for content hash + parameters (any JSON value; key order matters). */
export function frameCacheKey(contentHash: string, params: unknown): string {
  return createHash('sha256').update(`v${VERSION}\n${contentHash}\n${JSON.stringify(params)}`).digest('hex').slice(0, 40);
}

export interface CachedFrames {
  frames: Array<PreparedImage & { index: number; time: number }>;
  meta: Record<string, unknown>;
}

/** Reads an entry; undefined on a miss or a damaged entry. */
export async function readFrameCache(dir: string, key: string): Promise<CachedFrames | undefined> {
  const folder = join(dir, key);
  try {
    const meta = JSON.parse(await readFile(join(folder, 'meta.json'), 'utf8')) as { version: number; frames: Array<{ index: number; time: number; width: number; height: number }>; meta: Record<string, unknown> };
    if (meta.version !== VERSION || !Array.isArray(meta.frames)) return undefined;
    const frames = await Promise.all(
      meta.frames.map(async (f, i) => {
        const img = await loadImage(join(folder, `${String(i).padStart(4, '0')}.png`), { name: 'cached frame' });
        if (img.width !== f.width || img.height !== f.height) throw new Error('size mismatch');
        return { width: img.width, height: img.height, data: img.data, index: f.index, time: f.time };
      }),
    );
    return { frames, meta: meta.meta };
  } catch {
    return undefined;
  }
}

/** Writes an entry atomically (best effort: a failure to cache is not an error for the caller). */
export async function writeFrameCache(dir: string, key: string, entry: CachedFrames): Promise<boolean> {
  const tmp = join(dir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp, { recursive: true });
    await Promise.all(entry.frames.map(async (f, i) => writeFile(join(tmp, `${String(i).padStart(4, '0')}.png`), await encodePng(f))));
    const meta = { version: VERSION, frames: entry.frames.map((f) => ({ index: f.index, time: f.time, width: f.width, height: f.height })), meta: entry.meta };
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta));
    await rename(tmp, join(dir, key));
    return true;
  } catch {
    await rm(tmp, { recursive: true, force: true });
    return false;
  }
}
