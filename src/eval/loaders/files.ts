/**
 * Small, strict file helpers for benchmark loaders: every failure is a GlimpseError that names the
 * path, what was found and what the benchmark expected.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { GlimpseError } from '../../util/errors.js';

/** Largest annotation file read whole into memory (1 GiB). */
export const MAX_ANNOTATION_BYTES = 1024 * 1024 * 1024;

/** Throws unless `path` is a file; `expected` describes what the benchmark wants there. */
export function requireFile(path: string, flag: string, expected: string): void {
  if (!existsSync(path)) throw new GlimpseError('not_found', `${flag} ${path}: not found; expected ${expected}`);
  if (!statSync(path).isFile()) throw new GlimpseError('bad_config', `${flag} ${path}: is a folder; expected ${expected}`);
}

/** Throws unless `path` is a folder. */
export function requireDir(path: string | undefined, flag: string, expected: string): string {
  if (path === undefined) throw new GlimpseError('bad_config', `${flag} is required: expected ${expected}`);
  if (!existsSync(path)) throw new GlimpseError('not_found', `${flag} ${path}: not found; expected ${expected}`);
  if (!statSync(path).isDirectory()) throw new GlimpseError('bad_config', `${flag} ${path}: is a file; expected ${expected}`);
  return path;
}

/** Reads a UTF-8 text file (BOM stripped) after the checks of {@link requireFile}. */
export function readText(path: string, flag: string, expected: string): string {
  requireFile(path, flag, expected);
  const size = statSync(path).size;
  if (size > MAX_ANNOTATION_BYTES) throw new GlimpseError('too_large', `${flag} ${path}: ${size} bytes is over the ${MAX_ANNOTATION_BYTES}-byte limit for annotation files`);
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

/** Parses a JSON file; GlimpseError('corrupt') with the parser's message. */
export function readJson(path: string, flag: string, expected: string): unknown {
  const text = readText(path, flag, expected);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GlimpseError('corrupt', `${flag} ${path}: not valid JSON (${(e as Error).message}); expected ${expected}`);
  }
}

/**
 * Reads records from a `.json` (array, or object of records keyed by id) or `.jsonl` file.
 * JSONL lines that are blank are skipped; a bad line is an error naming its number.
 */
export function readRecords(path: string, flag: string, expected: string): Array<{ key?: string; line?: number; value: unknown }> {
  const text = readText(path, flag, expected);
  const trimmed = text.trimStart();
  if (extname(path).toLowerCase() === '.jsonl' || (!trimmed.startsWith('[') && !trimmed.startsWith('{')) || /^\{[^\n]*\}\s*\n\s*\{/.test(trimmed)) {
    const out: Array<{ line: number; value: unknown }> = [];
    const lines = text.split(/\r?\n/);
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        out.push({ line: i + 1, value: JSON.parse(l) });
      } catch (e) {
        throw new GlimpseError('corrupt', `${flag} ${path}:${i + 1}: not JSON (${(e as Error).message}); expected ${expected}`);
      }
    });
    return out;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new GlimpseError('corrupt', `${flag} ${path}: not valid JSON (${(e as Error).message}); expected ${expected}`);
  }
  if (Array.isArray(v)) return v.map((value, i) => ({ line: i + 1, value }));
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of ['data', 'annotations', 'samples', 'items']) if (Array.isArray(o[k])) return (o[k] as unknown[]).map((value, i) => ({ line: i + 1, value }));
    return Object.entries(o).map(([key, value]) => ({ key, value }));
  }
  throw new GlimpseError('corrupt', `${flag} ${path}: JSON is a ${typeof v}; expected ${expected}`);
}

/** Files in `dir` with one of `exts` (lower case, with dot), sorted by name. */
export function listFiles(dir: string, exts: string[]): string[] {
  return readdirSync(dir)
    .filter((f) => exts.includes(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f));
}

/** Finds `<dir>/<stem><ext>` for the first ext that exists, or undefined. */
export function findMedia(dir: string, stem: string, exts: string[]): string | undefined {
  if (existsSync(join(dir, stem)) && statSync(join(dir, stem)).isFile()) return join(dir, stem);
  for (const e of exts) {
    const p = join(dir, `${stem}${e}`);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** A finite number from a JSON value (numbers or numeric strings), else undefined. */
export function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Four finite numbers from a JSON array, else undefined. */
export function num4(v: unknown): [number, number, number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 4) return undefined;
  const n = v.map(num);
  return n.every((x) => x !== undefined) ? (n as [number, number, number, number]) : undefined;
}
