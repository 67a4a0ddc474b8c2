/**
 * The shared conformance suite every modality adapter runs (image, video, svg, timeseries,
 * scene3d). Call it from the adapter's own test file:
 *
 * @example
 *   import { runAdapterConformance } from '../../conformance/adapters.js';
 *   runAdapterConformance('image', {
 *     adapter: imageAdapter,
 *     validMedia: async () => [{ kind: 'image', data: pngBase64 }],
 *     hostileMedia: async () => [
 *       { name: 'zero bytes', media: { kind: 'image', path: emptyFile }, codes: ['corrupt'] },
 *       { name: 'bomb', media: { kind: 'image', path: bombFile }, codes: ['too_large'] },
 *     ],
 *     tooLarge: async () => ({ media: validMedia, options: { limits: { maxBytes: 10 } } }),
 *   });
 *
 * What it checks:
 * 1. shape — every valid media prepares to PreparedMedia of the adapter's kind: ≥ 1 image, each
 *    `width*height*3` bytes (Uint8Array, positive integer size), `text` a string, a CoordinateMap
 *    whose `toOriginal(fromOriginal(p))` round-trips, and JSON-serialisable `meta`;
 * 2. determinism — preparing twice (and four times concurrently) gives byte-identical images and
 *    identical text, coords and meta (minus `volatileMetaKeys`);
 * 3. no mutation — the Media object passed in is unchanged;
 * 4. size limits — `tooLarge()` (valid media under a tight limit) rejects with GlimpseError
 *    `too_large` (or the codes given);
 * 5. hostile input — each hostile case rejects with a GlimpseError whose code is one of its
 *    `codes` and whose message is one non-empty line (naming the file when the media has a path);
 *    generic hostile cases are added for every adapter: wrong kind, no path/data, a missing file,
 *    empty inline data and 1 MB of random bytes, each a GlimpseError (any code) within `timeoutMs`.
 */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import type { Media, MediaKind } from '../../data/schema.js';
import type { ModalityAdapter, PreparedMedia } from '../../modalities/types.js';
import { isGlimpseError } from '../../src/util/errors.js';

export interface HostileCase {
  /** Test name, e.g. `zero-byte file`. */
  name: string;
  media: Media;
  /** Accepted GlimpseError codes, e.g. ['corrupt']; empty array = any code. */
  codes: string[];
  options?: Record<string, unknown>;
}

export interface AdapterConformanceSpec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  adapter: ModalityAdapter<any>;
  /** Media the adapter must prepare (created lazily: tests may write temp files here). */
  validMedia: () => Promise<Media[]> | Media[];
  /** Options used with the valid media (default none). */
  options?: Record<string, unknown>;
  /** Adapter-specific hostile inputs and the error codes each must give. */
  hostileMedia?: () => Promise<HostileCase[]> | HostileCase[];
  /** Valid media with options whose limits it exceeds; must reject with `codes` (default ['too_large']). */
  tooLarge?: () => Promise<{ media: Media; options: Record<string, unknown>; codes?: string[] }> | { media: Media; options: Record<string, unknown>; codes?: string[] };
  /** Meta keys allowed to differ between two runs (timings, cache hits). */
  volatileMetaKeys?: string[];
  /** Longest any single prepare may take in these tests, in ms (default 30 000). */
  timeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (hang?)`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A JSON-comparable summary of a PreparedMedia, images as byte hashes + sizes. */
function fingerprint(p: PreparedMedia, volatile: string[]): unknown {
  const meta = { ...p.meta };
  for (const k of volatile) delete meta[k];
  return {
    kind: p.kind,
    text: p.text,
    coords: p.coords.toJSON(),
    perImageCoords: p.perImageCoords?.map((c) => c.toJSON()),
    meta: JSON.parse(JSON.stringify(meta)),
    images: p.images.map((im) => ({ w: im.width, h: im.height, time: im.time, sum: checksum(im.data) })),
  };
}

function checksum(d: Uint8Array): string {
  // FNV-1a over all bytes: cheap and enough to tell images apart
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  return `${d.length}:${(h >>> 0).toString(16)}`;
}

/** Asserts `p` is a well-formed PreparedMedia of `kind`. */
export function expectWellFormed(p: PreparedMedia, kind: MediaKind | string): void {
  expect(p.kind).toBe(kind);
  expect(Array.isArray(p.images)).toBe(true);
  expect(p.images.length).toBeGreaterThan(0);
  for (const im of p.images) {
    expect(Number.isInteger(im.width) && im.width > 0).toBe(true);
    expect(Number.isInteger(im.height) && im.height > 0).toBe(true);
    expect(im.data).toBeInstanceOf(Uint8Array);
    expect(im.data.length).toBe(im.width * im.height * 3);
    if (im.time !== undefined) expect(Number.isFinite(im.time)).toBe(true);
  }
  expect(typeof p.text).toBe('string');
  const maps = [p.coords, ...(p.perImageCoords ?? [])];
  for (const m of maps) {
    expect(m.original[0]).toBeGreaterThan(0);
    expect(m.original[1]).toBeGreaterThan(0);
    const probe: [number, number] = [m.original[0] * 0.37, m.original[1] * 0.61];
    const back = m.toOriginal(m.fromOriginal(probe));
    expect(back[0]).toBeCloseTo(probe[0], 6);
    expect(back[1]).toBeCloseTo(probe[1], 6);
  }
  if (p.perImageCoords) expect(p.perImageCoords.length).toBe(p.images.length);
  expect(() => JSON.stringify(p.meta)).not.toThrow();
}

async function expectGlimpseRejection(run: () => Promise<unknown>, codes: string[], ms: number, what: string, media?: Media): Promise<void> {
  let error: unknown;
  try {
    await withTimeout(run(), ms, what);
  } catch (e) {
    error = e;
  }
  expect(error, `${what}: expected a GlimpseError, got success`).toBeDefined();
  expect(isGlimpseError(error), `${what}: expected a GlimpseError, got ${String(error)}`).toBe(true);
  const ge = error as { code: string; message: string };
  if (codes.length > 0) expect(codes, `${what}: code "${ge.code}" (${ge.message})`).toContain(ge.code);
  expect(ge.message.length).toBeGreaterThan(0);
  expect(ge.message.includes('\n'), `${what}: message must be one line: ${ge.message}`).toBe(false);
  if (media && typeof media.path === 'string' && media.path.length > 0) {
    expect(ge.message, `${what}: message should name the file`).toContain(basename(media.path));
  }
}

/**
 * Registers the conformance tests for `spec.adapter` inside a `describe('<name> adapter
 * conformance')` block. Run it from a `*.test.ts` file.
 */
export function runAdapterConformance(name: string, spec: AdapterConformanceSpec): void {
  const { adapter } = spec;
  const ms = spec.timeoutMs ?? 30_000;
  const volatile = spec.volatileMetaKeys ?? [];
  const prepare = (m: Media, o?: Record<string, unknown>) => withTimeout(adapter.prepare(m, o ?? spec.options), ms, `${name}.prepare`);

  describe(`${name} adapter conformance`, () => {
    it('declares its kind and a prepare function', () => {
      expect(typeof adapter.kind).toBe('string');
      expect(typeof adapter.prepare).toBe('function');
    });

    it('prepares every valid media item to well-formed PreparedMedia', async () => {
      const media = await spec.validMedia();
      expect(media.length).toBeGreaterThan(0);
      for (const m of media) expectWellFormed(await prepare(m), adapter.kind);
    });

    it('is deterministic (sequential and concurrent runs agree) and does not mutate its input', async () => {
      for (const m of await spec.validMedia()) {
        const before = JSON.stringify(m);
        const a = fingerprint(await prepare(m), volatile);
        const b = fingerprint(await prepare(m), volatile);
        expect(b).toEqual(a);
        const many = await Promise.all([0, 1, 2, 3].map(() => prepare(m)));
        for (const p of many) expect(fingerprint(p, volatile)).toEqual(a);
        expect(JSON.stringify(m)).toBe(before);
      }
    });

    if (spec.tooLarge) {
      const tooLarge = spec.tooLarge;
      it('enforces size limits with a typed error', async () => {
        const c = await tooLarge();
        await expectGlimpseRejection(() => adapter.prepare(c.media, c.options), c.codes ?? ['too_large'], ms, `${name} over limit`);
      });
    }

    it('rejects generic hostile input with one-line GlimpseErrors', async () => {
      const other: MediaKind = adapter.kind === 'image' ? 'video' : 'image';
      const cases: Array<{ what: string; media: Media }> = [
        { what: 'wrong kind', media: { kind: other, data: 'AAAA' } },
        { what: 'neither path nor data', media: { kind: adapter.kind } as Media },
        { what: 'missing file', media: { kind: adapter.kind, path: `/nonexistent/glimpse-conformance-${process.pid}.bin` } },
        { what: 'empty inline data', media: { kind: adapter.kind, data: '' } },
        { what: '1 MB of random bytes', media: { kind: adapter.kind, data: pseudoRandomBytes(1 << 20).toString('base64') } },
      ];
      for (const c of cases) {
        await expectGlimpseRejection(() => adapter.prepare(c.media, spec.options), [], ms, `${name}: ${c.what}`, c.what === 'missing file' ? c.media : undefined);
      }
    });

    if (spec.hostileMedia) {
      const hostile = spec.hostileMedia;
      it('rejects adapter-specific hostile input with the expected codes', async () => {
        const cases = await hostile();
        expect(cases.length).toBeGreaterThan(0);
        for (const c of cases) {
          await expectGlimpseRejection(() => adapter.prepare(c.media, c.options ?? spec.options), c.codes, ms, `${name}: ${c.name}`, c.media);
        }
      });
    }
  });
}

/** Deterministic pseudo-random bytes (xorshift32), for garbage inputs. */
export function pseudoRandomBytes(n: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
