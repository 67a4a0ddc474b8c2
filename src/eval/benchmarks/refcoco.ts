/**
 * RefCOCO / RefCOCO+ / RefCOCOg referring-expression comprehension (Yu et al. 2016; Mao et al.
 * 2016). Metric: Acc@0.5 = share of expressions whose predicted box has IoU > 0.5 (strict) with the
 * true box, both in original-image pixels. Each referring sentence is one sample.
 *
 * Data layouts:
 * - Hugging Face parquet (lmms-lab/RefCOCO, RefCOCOplus, RefCOCOg): `--data` is a `.parquet` file
 *   or a folder of shards; columns `image` ({bytes, path}), `bbox` (COCO [x, y, w, h]),
 *   `answer` (the referring sentence, or a list of them), `question_id`; the split is read from the
 *   shard name (`val-…`, `testA-…`) or a `split` column.
 * - JSON / JSONL annotations with `--media <image folder>`: one record per expression (or with a
 *   `sentences` list), image from `file_name` / `image` / `img_path` / `image_id` (COCO id ->
 *   `COCO_train2014_<12 digits>.jpg`), expression from `sentence` / `sent` / `expression` /
 *   `problem` / `normal_caption` / `caption`, box from `bbox` (COCO [x, y, w, h]) or `solution` /
 *   `box` / `bbox_xyxy` ([x1, y1, x2, y2]); `--box-format` overrides.
 * - VLMEvalKit `.tsv`: `index`, `image` (base64), `question` (the sentence), `answer`
 *   ("[x1, y1, x2, y2]" in original pixels), optional `split`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import type { BBox } from '../../../data/schema.js';
import { iou } from '../../../rewards/geometry/math.js';
import { parseBoxes } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { encodedImage } from '../images.js';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { imageBytes, openParquet, parquetRows, requireColumns } from '../loaders/parquet.js';
import { num4, readRecords, readText, requireDir } from '../loaders/files.js';
import { parseDelimited } from '../loaders/delimited.js';
import { shareAbove, meanOf } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, BenchmarkOptions, EvalItem, LoadedBenchmark, PreparedItem, SampleScore } from '../types.js';
import { THINK_ANSWER, answerText, fillTemplate, imageRequest, mapOf, renderBoxes, roundFor, show } from './common.js';

const EXPECTED_PARQUET = 'a Hugging Face parquet export of RefCOCO (lmms-lab layout: columns image, bbox [x,y,w,h], answer)';
const EXPECTED_JSON = 'RefCOCO annotations as JSON/JSONL (one record per expression with file_name/image, sentence/expression/problem, bbox [x,y,w,h] or solution [x1,y1,x2,y2]) or a parquet export';
const SENTENCE_KEYS = ['sentence', 'sent', 'expression', 'refexp', 'problem', 'normal_caption', 'caption', 'query', 'text'] as const;
const IMAGE_KEYS = ['file_name', 'image', 'img_path', 'image_path', 'img', 'image_file'] as const;

type BoxFormat = 'xywh' | 'xyxy';

function toXyxy(b: [number, number, number, number], f: BoxFormat): BBox {
  return f === 'xywh' ? [b[0], b[1], b[0] + b[2], b[1] + b[3]] : [b[0], b[1], b[2], b[3]];
}

function validBox(b: BBox): boolean {
  return b.every(Number.isFinite) && b[2] > b[0] && b[3] > b[1];
}

function splitFromFile(file: string): string | undefined {
  const m = /^(train|val|validation|test|testA|testB)(?=[-_.])/i.exec(basename(file));
  return m ? m[1] : undefined;
}

function sentences(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    return v.flatMap((s) => (typeof s === 'string' ? [s] : typeof s === 'object' && s !== null ? sentences((s as Record<string, unknown>).sent ?? (s as Record<string, unknown>).raw) : []));
  }
  return [];
}

function makeItem(id: string, sentence: string, bbox: BBox, groups: Record<string, string>, loadImages: EvalItem['loadImages'], template: string): EvalItem {
  return {
    id,
    sample: { id, prompt: fillTemplate(template, { expression: sentence }), media: [{ kind: 'image', path: id }], answer: { bbox }, task: 'refcoco', meta: { expression: sentence } },
    groups,
    ...(loadImages ? { loadImages } : {}),
  };
}

async function loadParquet(o: BenchmarkOptions, template: string, boxFormat: BoxFormat): Promise<LoadedBenchmark> {
  const src = await openParquet(o.data, '--data', EXPECTED_PARQUET);
  requireColumns(src, ['image', 'bbox', 'answer|expression|sentence|sent|refexp|problem'], EXPECTED_PARQUET);
  const sentCol = ['answer', 'expression', 'sentence', 'sent', 'refexp', 'problem'].find((c) => src.columns.includes(c))!;
  const notes: string[] = [];
  const limit = o.limit ?? Infinity;
  // Rows may hold several sentences: count them from the sentence column alone (no image bytes read).
  let total = 0;
  for (const [fi, file] of src.files.entries()) {
    if (total >= limit) break;
    try {
      const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(file), metadata: src.metas[fi], columns: [sentCol], utf8: true })) as Array<Record<string, unknown>>;
      for (const r of rows) total += Math.max(1, sentences(r[sentCol]).length);
    } catch {
      total += src.rows[fi] ?? 0; // counted again, with a clear error, when the rows are read
    }
  }
  total = Math.min(total, limit);
  let skipped = 0;
  async function* items(): AsyncGenerator<EvalItem> {
    let n = 0;
    for await (const { row, file, index } of parquetRows(src)) {
      const raw = num4(row.bbox);
      const bytes = imageBytes(row.image);
      const sents = sentences(row[sentCol]);
      const box = raw ? toXyxy(raw, boxFormat) : undefined;
      if (!box || !validBox(box) || !bytes || sents.length === 0) {
        skipped++;
        if (skipped <= 3) notes.push(`${basename(file)} row ${index}: skipped (bbox ${show(row.bbox)}, ${bytes ? 'image ok' : 'no image bytes'}, ${sents.length} sentence(s))`);
        continue;
      }
      const qid = row.question_id ?? row.id ?? `${basename(file, '.parquet')}:${index}`;
      const split = typeof row.split === 'string' ? row.split : splitFromFile(file) ?? 'all';
      const img = encodedImage(bytes, `${basename(file)} row ${index}`);
      for (const [k, s] of sents.entries()) {
        if (n >= limit) return;
        const id = sents.length === 1 ? String(qid) : `${String(qid)}#${k}`;
        yield makeItem(id, s, box, { split }, async () => [img], template);
        n++;
      }
    }
    if (skipped > 3) notes.push(`… ${skipped} row(s) skipped in all`);
  }
  return { total, items: items(), notes };
}

async function loadJson(o: BenchmarkOptions, template: string, boxFormat: BoxFormat | undefined): Promise<LoadedBenchmark> {
  const records = readRecords(o.data, '--data', EXPECTED_JSON);
  const media = o.media ? requireDir(o.media, '--media', 'the folder of COCO train2014 images named by the annotations') : undefined;
  if (!media && o.needMedia) requireDir(undefined, '--media', 'the folder of COCO train2014 images named by the annotations');
  const notes: string[] = [];
  const all: EvalItem[] = [];
  const limit = o.limit ?? Infinity;
  let skipped = 0;
  for (const [i, rec] of records.entries()) {
    if (all.length >= limit) break;
    const where = rec.line !== undefined ? `${o.data}:${rec.line}` : `${o.data}[${rec.key}]`;
    const r = rec.value as Record<string, unknown>;
    if (typeof r !== 'object' || r === null) throw new GlimpseError('corrupt', `${where}: expected an object; expected ${EXPECTED_JSON}`);
    let file = IMAGE_KEYS.map((k) => r[k]).find((v) => typeof v === 'string') as string | undefined;
    if (file === undefined && (typeof r.image_id === 'number' || typeof r.image_id === 'string')) file = `COCO_train2014_${String(r.image_id).padStart(12, '0')}.jpg`;
    const sents = r.sentences !== undefined ? sentences(r.sentences) : sentences(SENTENCE_KEYS.map((k) => r[k]).find((v) => typeof v === 'string'));
    let box: BBox | undefined;
    const xywh = num4(r.bbox);
    const xyxy = num4(r.solution ?? r.box ?? r.bbox_xyxy);
    if (boxFormat) box = num4(r.bbox ?? r.solution ?? r.box ?? r.bbox_xyxy) && toXyxy(num4(r.bbox ?? r.solution ?? r.box ?? r.bbox_xyxy)!, boxFormat);
    else if (xyxy) box = toXyxy(xyxy, 'xyxy');
    else if (xywh) box = toXyxy(xywh, 'xywh');
    if (file === undefined || sents.length === 0 || !box) {
      throw new GlimpseError('corrupt', `${where}: ${file === undefined ? 'no image file name' : sents.length === 0 ? 'no referring sentence' : 'no 4-number box'} (record ${show(r)}); expected ${EXPECTED_JSON}`);
    }
    if (!validBox(box)) {
      skipped++;
      if (skipped <= 3) notes.push(`${where}: skipped, degenerate box ${show(box)}`);
      continue;
    }
    const baseId = String(r.id ?? r.ref_id ?? r.question_id ?? r.ann_id ?? r.sent_id ?? rec.key ?? i);
    const split = typeof r.split === 'string' ? r.split : 'all';
    const path = isAbsolute(file) ? file : media ? join(media, file) : join(dirname(o.data), file);
    const loadImages = async () => {
      if (!existsSync(path)) throw new GlimpseError('not_found', `${path}: image named by ${where} not found${media ? '' : ' (pass --media <image folder>)'}`);
      return [encodedImage(new Uint8Array(await readFile(path)), path)];
    };
    for (const [k, s] of sents.entries()) {
      if (all.length >= limit) break;
      all.push(makeItem(sents.length === 1 ? baseId : `${baseId}#${k}`, s, box, { split }, loadImages, template));
    }
  }
  if (skipped > 3) notes.push(`… ${skipped} record(s) skipped in all`);
  async function* items(): AsyncGenerator<EvalItem> {
    yield* all;
  }
  return { total: all.length, items: items(), notes };
}

const EXPECTED_TSV = 'a VLMEvalKit-style RefCOCO .tsv (columns image = base64, question = the sentence, answer = "[x1, y1, x2, y2]")';

async function loadTsv(o: BenchmarkOptions, template: string, boxFormat: BoxFormat): Promise<LoadedBenchmark> {
  const rows = parseDelimited(readText(o.data, '--data', EXPECTED_TSV), '\t', o.data);
  const header = rows[0] ?? [];
  for (const col of ['image', 'question', 'answer']) {
    if (!header.includes(col)) throw new GlimpseError('corrupt', `--data ${o.data}: no "${col}" column (header ${show(header.slice(0, 8))}); expected ${EXPECTED_TSV}`);
  }
  const at = (cells: string[], col: string) => cells[header.indexOf(col)];
  const all: EvalItem[] = [];
  for (const [i, cells] of rows.slice(1).entries()) {
    if (all.length >= (o.limit ?? Infinity)) break;
    const where = `${o.data}:row ${i + 2}`;
    let raw: unknown;
    try {
      raw = JSON.parse(at(cells, 'answer') ?? '');
    } catch {
      raw = undefined;
    }
    const b = num4(raw);
    const bytes = imageBytes(at(cells, 'image'));
    const sentence = at(cells, 'question');
    if (!b || !bytes || !sentence) throw new GlimpseError('corrupt', `${where}: ${!b ? `answer ${show(at(cells, 'answer'))} is not [x1, y1, x2, y2]` : !bytes ? 'no base64 image' : 'empty question'}; expected ${EXPECTED_TSV}`);
    const img = encodedImage(bytes, `${where} image`);
    const id = at(cells, 'index') ?? String(i);
    all.push(makeItem(id, sentence, toXyxy(b, boxFormat), { split: at(cells, 'split') ?? 'all' }, async () => [img], template));
  }
  return { total: all.length, items: (async function* () { yield* all; })(), notes: [] };
}

/** Scores a completion: the first box in the answer, mapped to original pixels, against the truth. */
export function scoreBox(item: EvalItem, completion: string, prepared: PreparedItem): SampleScore {
  const truth = item.sample.answer.bbox!;
  const a = answerText(completion);
  if (a.failure) return { values: { iou: 0 }, failure: a.failure, reason: a.reason };
  const boxes = parseBoxes(a.text);
  if (!boxes.ok) return { values: { iou: 0 }, failure: 'unparseable', reason: boxes.reason };
  const pred = mapOf(prepared.coords).boxToOriginal(boxes.value[0]!.bbox);
  return { values: { iou: iou(pred, truth) }, pred: { bbox: pred } };
}

function makeRefcoco(name: string, aliases: string[], paper: string): Benchmark {
  return {
    name,
    aliases,
    description: `${name} referring-expression comprehension: one box per sentence, Acc@0.5`,
    paper,
    formats: [EXPECTED_PARQUET, 'JSON/JSONL annotations + --media image folder', EXPECTED_TSV],
    metrics: ['Acc@0.5', 'mIoU'],
    template: `Please provide the bounding box coordinate of the region this sentence describes: {expression}. ${THINK_ANSWER} Output the final answer in JSON format.`,
    async load(o) {
      const template = o.template ?? this.template;
      const bf = o.extra?.boxFormat as BoxFormat | undefined;
      if (bf !== undefined && bf !== 'xywh' && bf !== 'xyxy') throw new GlimpseError('bad_config', `--box-format ${String(bf)}: expected xywh or xyxy`);
      const ext = extname(o.data).toLowerCase();
      if (ext === '.json' || ext === '.jsonl') return loadJson(o, template, bf);
      if (ext === '.tsv') return loadTsv(o, template, bf ?? 'xyxy');
      return loadParquet(o, template, bf ?? 'xywh');
    },
    async prepare(item, o, withMedia) {
      const { images, coords } = await imageRequest(item, o, withMedia);
      return { request: { id: item.id, prompt: item.sample.prompt, images }, ...(coords ? { coords } : {}) };
    },
    oracle(item, p) {
      const m = mapOf(p.coords);
      const b = m.boxFromOriginal(item.sample.answer.bbox!).map((v) => roundFor(m.space, v));
      return `<think>The sentence refers to this region.</think><answer>{"bbox_2d": [${b.join(', ')}], "label": ${JSON.stringify(String(item.sample.meta?.expression ?? ''))}}</answer>`;
    },
    score: scoreBox,
    aggregate(rs) {
      return { 'Acc@0.5': shareAbove(rs, 'iou', 0.5), mIoU: meanOf(rs, 'iou') };
    },
    async renderExample(item, r) {
      return renderBoxes(item, item.sample.answer.bbox, r.pred?.bbox as BBox | undefined, { pred: `IoU ${(r.values.iou ?? 0).toFixed(2)}` });
    },
  };
}

registerBenchmark(makeRefcoco('refcoco', [], 'RefCOCO (Yu et al., 2016, "Modeling Context in Referring Expressions")'));
registerBenchmark(makeRefcoco('refcoco+', ['refcoco-plus', 'refcocoplus'], 'RefCOCO+ (Yu et al., 2016)'));
registerBenchmark(makeRefcoco('refcocog', ['refcoco-g'], 'RefCOCOg (Mao et al., 2016, "Generation and Comprehension of Unambiguous Object Descriptions")'));
