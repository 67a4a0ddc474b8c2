/**
 * Hugging Face parquet exports read with hyparquet: `--data` is one `.parquet` file or a folder of
 * shards (`data/val-00000-of-00004.parquet`, ...; sorted by name, searched one level down in
 * `data/`). Rows are read one row group at a time, so image bytes embedded in the file
 * (`image: {bytes, path}`) never all sit in memory at once.
 */
import { existsSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { GlimpseError } from '../../util/errors.js';
import { listFiles } from './files.js';

export interface ParquetSource {
  files: string[];
  /** Rows per file. */
  rows: number[];
  /** Column names (of the first file). */
  columns: string[];
  metas: FileMetaData[];
}

/** Finds the shards under `path` and reads their footers; errors say what was expected. */
export async function openParquet(path: string, flag: string, expected: string): Promise<ParquetSource> {
  if (!existsSync(path)) throw new GlimpseError('not_found', `${flag} ${path}: not found; expected ${expected}`);
  let files: string[];
  if (statSync(path).isDirectory()) {
    files = listFiles(path, ['.parquet']);
    if (files.length === 0 && existsSync(join(path, 'data'))) files = listFiles(join(path, 'data'), ['.parquet']);
    if (files.length === 0) throw new GlimpseError('not_found', `${flag} ${path}: folder has no .parquet files; expected ${expected}`);
  } else files = [path];
  const metas: FileMetaData[] = [];
  for (const f of files) {
    try {
      metas.push(await parquetMetadataAsync(await asyncBufferFromFile(f)));
    } catch (e) {
      throw new GlimpseError('corrupt', `${f}: not a readable parquet file (${(e as Error).message})`);
    }
  }
  const columns = parquetSchema(metas[0]!).children.map((c) => c.element.name);
  return { files, metas, rows: metas.map((m) => Number(m.num_rows)), columns };
}

/** Throws unless every name in `required` (alternatives separated by `|`) is a column. */
export function requireColumns(src: ParquetSource, required: string[], expected: string): void {
  for (const r of required) {
    const alts = r.split('|');
    if (!alts.some((a) => src.columns.includes(a))) {
      throw new GlimpseError('bad_config', `${basename(src.files[0]!)}: no column ${alts.map((a) => `"${a}"`).join(' or ')} (columns: ${src.columns.join(', ')}); expected ${expected}`);
    }
  }
}

/** Streams rows as objects, row group by row group, stopping after `limit` rows. */
export async function* parquetRows(src: ParquetSource, limit = Infinity): AsyncGenerator<{ row: Record<string, unknown>; file: string; index: number }> {
  let emitted = 0;
  for (const [fi, file] of src.files.entries()) {
    const meta = src.metas[fi]!;
    const buf = await asyncBufferFromFile(file);
    let start = 0;
    for (const rg of meta.row_groups) {
      const n = Number(rg.num_rows);
      const end = Math.min(start + n, start + (limit - emitted));
      let rows: Record<string, unknown>[];
      try {
        rows = (await parquetReadObjects({ file: buf, metadata: meta, rowStart: start, rowEnd: end, utf8: false })) as Record<string, unknown>[];
      } catch (e) {
        throw new GlimpseError('corrupt', `${file}: cannot read rows ${start}–${end} (${(e as Error).message})`);
      }
      for (const [i, row] of rows.entries()) {
        yield { row, file, index: start + i };
        emitted++;
        if (emitted >= limit) return;
      }
      start += n;
    }
  }
}

/** Total rows across shards, capped at `limit`. */
export function parquetCount(src: ParquetSource, limit = Infinity): number {
  return Math.min(limit, src.rows.reduce((a, b) => a + b, 0));
}

/** Bytes of an HF `Image` cell (`{bytes, path}`), a raw byte column, or a base64 string. */
export function imageBytes(cell: unknown): Uint8Array | undefined {
  if (cell instanceof Uint8Array) return cell;
  if (typeof cell === 'string' && cell.length > 32) {
    const b = Buffer.from(cell, 'base64');
    return b.length > 0 ? new Uint8Array(b) : undefined;
  }
  if (typeof cell === 'object' && cell !== null && 'bytes' in cell) return imageBytes((cell as { bytes: unknown }).bytes);
  return undefined;
}
