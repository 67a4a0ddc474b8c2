/** Test fixtures for eval: temp folders, small JPEG images, parquet files in the lmms-lab layout. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parquetWriteBuffer } from 'hyparquet-writer';

export function tempDir(prefix = 'glimpse-eval-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A w×h JPEG with a grey background. */
export async function jpeg(w: number, h: number, shade = 120): Promise<Uint8Array> {
  return new Uint8Array(await sharp({ create: { width: w, height: h, channels: 3, background: { r: shade, g: shade, b: shade } } }).jpeg().toBuffer());
}

export interface RefRow {
  question_id: string;
  image: Uint8Array;
  bbox: [number, number, number, number]; // COCO xywh
  answer: string | string[];
}

/** Writes a parquet file in the lmms-lab/RefCOCO layout (image struct with bytes, bbox list, answer). */
export function writeRefcocoParquet(path: string, rows: RefRow[], answerAsList = false): void {
  const columnData = [
    { name: 'question_id', data: rows.map((r) => r.question_id) },
    { name: 'image', data: rows.map((r) => ({ bytes: r.image, path: `${r.question_id}.jpg` })) },
    { name: 'bbox', data: rows.map((r) => r.bbox) },
    { name: 'answer', data: rows.map((r) => (answerAsList ? (Array.isArray(r.answer) ? r.answer : [r.answer]) : r.answer)) },
  ];
  const schema = [
    { name: 'root', num_children: 4 },
    { name: 'question_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
    { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'bbox', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ...(answerAsList
      ? [
          { name: 'answer', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        ]
      : [{ name: 'answer', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }]),
  ];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const buf = parquetWriteBuffer({ columnData, schema: schema as any, rowGroupSize: 2 });
  writeFileSync(path, new Uint8Array(buf));
}

/** Writes predictions JSONL. */
export function writePredictions(path: string, preds: Array<Record<string, unknown>>): void {
  writeFileSync(path, preds.map((p) => JSON.stringify(p)).join('\n') + '\n');
}
