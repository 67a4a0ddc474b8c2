/**
 * Multiple-choice visual question answering (MMBench, ScienceQA-IMG, SEED-Bench, MMStar, ... in
 * their common layouts). Metric: accuracy = share of questions whose chosen letter equals the
 * answer; unparseable and empty answers count as wrong. Breakdown by `category` where given.
 *
 * Data layouts:
 * - MMBench `.tsv` (header `index question hint A B C D answer category image ...`, image as base64);
 * - parquet with the same columns (lmms-lab/MMBench), or ScienceQA's `choices` list + integer
 *   `answer`, images as `{bytes}` cells;
 * - JSON/JSONL records `{"id", "question", "options": [...] | {"A": ...}, "answer": "B" | 1 | "text",
 *   "image"?: path-or-base64, "hint"?, "category"?}`, image paths relative to `--media`.
 *
 * Prompt (LLaVA's MMBench template): hint, question, the lettered options, then "Answer with the
 * option's letter from the given choices directly."
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { parseChoice } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { encodedImage, prepareImage, sniffImage } from '../images.js';
import { parseDelimited } from '../loaders/delimited.js';
import { readRecords, readText, requireDir } from '../loaders/files.js';
import { imageBytes, openParquet, parquetCount, parquetRows } from '../loaders/parquet.js';
import { meanOf } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, BenchmarkOptions, EncodedImage, EvalItem, LoadedBenchmark } from '../types.js';
import { answerText, fillTemplate, show } from './common.js';

const LETTERS = 'ABCDEFGHIJ';
const EXPECTED = 'multiple-choice questions: an MMBench .tsv (index, question, A, B, C, D, answer, image base64), a parquet export with the same columns or ScienceQA choices/answer, or JSON/JSONL {"question", "options", "answer", "image"?}';

interface Mcq {
  id: string;
  question: string;
  hint: string;
  options: string[];
  answer: string; // letter
  category?: string;
  image?: () => Promise<EncodedImage[]>;
}

function optionsOf(r: Record<string, unknown>): string[] {
  const o = r.options ?? r.choices;
  if (Array.isArray(o)) return o.map((x) => String(x));
  if (typeof o === 'string' && o.trim().startsWith('[')) {
    try {
      const v = JSON.parse(o.replace(/'/g, '"'));
      if (Array.isArray(v)) return v.map(String);
    } catch {
      // fall through to lettered columns
    }
  }
  if (typeof o === 'object' && o !== null) return Object.keys(o).sort().map((k) => String((o as Record<string, unknown>)[k]));
  const out: string[] = [];
  for (const L of LETTERS) {
    const v = r[L];
    if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) || String(v).trim() === '' || String(v) === 'nan') break;
    out.push(String(v));
  }
  return out;
}

function answerLetter(a: unknown, options: string[]): string | undefined {
  if (typeof a === 'number' || typeof a === 'bigint') {
    const i = Number(a);
    return Number.isInteger(i) && i >= 0 && i < options.length ? LETTERS[i] : undefined;
  }
  if (typeof a !== 'string') return undefined;
  const s = a.trim();
  const m = /^\(?([A-Ja-j])\)?\.?$/.exec(s);
  if (m && LETTERS.indexOf(m[1]!.toUpperCase()) < options.length) return m[1]!.toUpperCase();
  const k = options.findIndex((o) => o.trim().toLowerCase() === s.toLowerCase());
  if (k >= 0) return LETTERS[k];
  if (/^\d+$/.test(s)) return answerLetter(Number(s), options);
  return undefined;
}

function toMcq(r: Record<string, unknown>, where: string, fallbackId: string, media: string | undefined, base: string): Mcq {
  const question = [r.question, r.query, r.prompt].find((v) => typeof v === 'string') as string | undefined;
  const options = optionsOf(r);
  if (question === undefined || options.length < 2) throw new GlimpseError('corrupt', `${where}: ${question === undefined ? 'no "question"' : `fewer than 2 options (${show(r.options ?? r.choices ?? r.A)})`}; expected ${EXPECTED}`);
  const answer = answerLetter(r.answer ?? r.label ?? r.gt, options);
  if (answer === undefined) throw new GlimpseError('corrupt', `${where}: answer ${show(r.answer)} is not an option letter, index or option text of ${options.length} options`);
  const hint = typeof r.hint === 'string' && r.hint !== 'nan' ? r.hint : '';
  const id = String(r.id ?? r.index ?? r.question_id ?? fallbackId);
  const cell = r.image ?? r.image_path ?? r.img;
  let image: Mcq['image'];
  // base64 has no '.', file names do
  const looksLikePath = typeof cell === 'string' && cell.includes('.');
  const bytes = looksLikePath ? undefined : imageBytes(cell);
  if (bytes && (sniffImage(bytes) || typeof cell !== 'string')) {
    const img = encodedImage(bytes, `${where} image`);
    image = async () => [img];
  } else if (typeof cell === 'string' && cell.trim() !== '') {
    const path = isAbsolute(cell) ? cell : join(media ?? base, cell);
    image = async () => {
      if (!existsSync(path)) throw new GlimpseError('not_found', `${path}: image named by ${where} not found${media ? '' : ' (pass --media <image folder>)'}`);
      return [encodedImage(new Uint8Array(await readFile(path)), path)];
    };
  }
  const category = [r.category, r.subject, r['l2-category']].find((v) => typeof v === 'string') as string | undefined;
  return { id, question, hint, options, answer, ...(category ? { category } : {}), ...(image ? { image } : {}) };
}

function toItem(q: Mcq, template: string): EvalItem {
  const options = q.options.map((o, i) => `${LETTERS[i]}. ${o}`).join('\n');
  const prompt = fillTemplate(template, { question: q.question, options, hint: q.hint ? `${q.hint}\n` : '' });
  return {
    id: q.id,
    sample: { id: q.id, prompt, media: q.image ? [{ kind: 'image', path: q.id }] : [], answer: { choice: q.answer }, task: 'mcq', meta: { letters: LETTERS.slice(0, q.options.length), options: q.options } },
    groups: q.category ? { category: q.category } : {},
    ...(q.image ? { loadImages: q.image } : {}),
  };
}

async function load(o: BenchmarkOptions, template: string): Promise<LoadedBenchmark> {
  const ext = extname(o.data).toLowerCase();
  const media = o.media ? requireDir(o.media, '--media', 'the folder of images named by the questions') : undefined;
  const base = dirname(o.data);
  const limit = o.limit ?? Infinity;
  if (ext === '.tsv' || ext === '.csv') {
    const rows = parseDelimited(readText(o.data, '--data', EXPECTED), ext === '.tsv' ? '\t' : ',', o.data);
    const header = rows[0];
    if (!header || !header.includes('question') || !header.includes('answer')) {
      throw new GlimpseError('corrupt', `--data ${o.data}: header ${show(header?.slice(0, 8))} lacks "question" and "answer"; expected ${EXPECTED}`);
    }
    const all = rows.slice(1, 1 + Math.min(rows.length, limit)).map((cells, i) => {
      const r: Record<string, unknown> = {};
      header.forEach((h, k) => (r[h] = cells[k]));
      return toItem(toMcq(r, `${o.data}:row ${i + 2}`, String(i), media, base), template);
    });
    return { total: all.length, items: (async function* () { yield* all; })(), notes: [] };
  }
  if (ext === '.json' || ext === '.jsonl') {
    const recs = readRecords(o.data, '--data', EXPECTED);
    const all = recs.slice(0, Math.min(recs.length, limit)).map((rec, i) => {
      const r = rec.value as Record<string, unknown>;
      const where = rec.key !== undefined ? `${o.data}["${rec.key}"]` : `${o.data}:${rec.line}`;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new GlimpseError('corrupt', `${where}: expected an object; expected ${EXPECTED}`);
      return toItem(toMcq(r, where, rec.key ?? String(i), media, base), template);
    });
    return { total: all.length, items: (async function* () { yield* all; })(), notes: [] };
  }
  const src = await openParquet(o.data, '--data', EXPECTED);
  async function* items(): AsyncGenerator<EvalItem> {
    for await (const { row, file, index } of parquetRows(src, limit)) yield toItem(toMcq(row, `${file} row ${index}`, `${index}`, media, base), template);
  }
  return { total: parquetCount(src, limit), items: items(), notes: [] };
}

const mcq: Benchmark = {
  name: 'mcq',
  aliases: ['mc-vqa', 'mmbench', 'multiple-choice'],
  description: 'multiple-choice VQA (MMBench/ScienceQA/SEED layouts): accuracy of the chosen letter',
  paper: 'MMBench (Liu et al., 2023) and similar multiple-choice VQA sets',
  formats: [EXPECTED],
  metrics: ['accuracy'],
  template: "{hint}{question}\n{options}\nAnswer with the option's letter from the given choices directly.",
  load(o) {
    return load(o, o.template ?? this.template);
  },
  async prepare(item, o, withMedia) {
    const images: EncodedImage[] = [];
    if (withMedia && item.loadImages) {
      for (const img of await item.loadImages()) images.push((await prepareImage(img, item.id, { maxPixels: o.maxPixels, minPixels: o.minPixels })).image);
    }
    return { request: { id: item.id, prompt: item.sample.prompt, images } };
  },
  oracle(item) {
    return `<answer>${item.sample.answer.choice}</answer>`;
  },
  score(item, completion) {
    const a = answerText(completion);
    if (a.failure) return { values: { correct: 0 }, failure: a.failure, reason: a.reason };
    const letters = String(item.sample.meta?.letters ?? 'ABCD');
    let choice: string | undefined;
    const c = parseChoice(a.text, { letters });
    if (c.ok) choice = c.value;
    else {
      const options = (item.sample.meta?.options as string[] | undefined) ?? [];
      const k = options.findIndex((o) => o.trim().toLowerCase() === a.text.trim().toLowerCase().replace(/\.$/, ''));
      if (k >= 0) choice = letters[k];
    }
    if (choice === undefined) return { values: { correct: 0 }, failure: 'unparseable', reason: c.ok ? 'no option' : c.reason };
    return { values: { correct: choice === item.sample.answer.choice ? 1 : 0 }, pred: { choice } };
  },
  aggregate(rs) {
    return { accuracy: meanOf(rs, 'correct') };
  },
};

registerBenchmark(mcq);
