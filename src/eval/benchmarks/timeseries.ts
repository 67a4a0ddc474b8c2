/**
 * Time-series classification (UCR/UEA archives; e.g. as evaluated by TimeMaster). Metrics:
 * accuracy and macro-F1 (scikit-learn `average='macro'` over the classes that occur in truth or
 * prediction; an unparseable answer is a miss that predicts no class).
 *
 * Data layouts:
 * - UCR archive files (`<Name>_TEST.tsv`, or the older `.txt`/`.csv`): one series per line, the
 *   class label first, then the values, separated by tabs, commas or spaces; trailing `NaN`
 *   padding of variable-length series is dropped;
 * - JSON/JSONL records `{"id"?, "series": [..] | [[..], [..]] (channels), "label": "walking",
 *   "classes"?: [...]}`.
 *
 * The series is written into the prompt as text (values to 4 significant digits); the answer is a
 * class label, matched case-insensitively, or a number equal to a numeric label.
 */
import { extname } from 'node:path';
import { parseNumber } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { readRecords, readText } from '../loaders/files.js';
import { macroF1, meanOf } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EvalItem } from '../types.js';
import { THINK_ANSWER, answerText, fillTemplate, show } from './common.js';

const EXPECTED = 'a UCR archive file (label then values per line, tab/comma/space separated) or JSON/JSONL {"series": [...], "label": ...}';
const MAX_POINTS = 100_000;

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : 'NaN';
}

/** Matches a free-text answer to one of `classes`, or undefined. */
export function matchClass(text: string, classes: readonly string[]): string | undefined {
  const norm = (s: string) => s.trim().toLowerCase().replace(/^["'`(]+|["'`).!]+$/g, '').replace(/^class\s*:?\s*/, '').trim();
  const t = norm(text);
  const exact = classes.find((c) => norm(c) === t);
  if (exact !== undefined) return exact;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hits = classes.filter((c) => c.trim() !== '' && new RegExp(`(?<![\\w.-])${esc(c.trim())}(?![\\w-]|\\.\\d)`, 'i').test(text));
  if (hits.length === 1) return hits[0];
  if (classes.every((c) => Number.isFinite(Number(c)))) {
    const n = parseNumber(text);
    if (n.ok) return classes.find((c) => Number(c) === n.value);
  }
  return undefined;
}

const timeseries: Benchmark = {
  name: 'timeseries',
  aliases: ['ts-classification', 'ucr'],
  description: 'time-series classification (UCR/UEA layouts): accuracy and macro-F1',
  paper: 'UCR Time Series Classification Archive (Dau et al., 2019); TimeMaster-style evaluation',
  formats: [EXPECTED],
  metrics: ['accuracy', 'macro-F1'],
  template: `This is a time series with {channels} channel(s) of length {length}:\n{series}\nWhich class does it belong to? The classes are: {classes}. ${THINK_ANSWER} Put only the class label in the <answer> tags.`,
  async load(o) {
    const ext = extname(o.data).toLowerCase();
    const rows: Array<{ id: string; series: number[][]; label: string }> = [];
    let declared: string[] | undefined;
    if (ext === '.json' || ext === '.jsonl') {
      for (const [i, rec] of readRecords(o.data, '--data', EXPECTED).entries()) {
        const where = rec.key !== undefined ? `${o.data}["${rec.key}"]` : `${o.data}:${rec.line}`;
        const r = rec.value as Record<string, unknown>;
        const s = r?.series ?? r?.values ?? r?.data;
        const label = r?.label ?? r?.class ?? r?.y;
        const series = Array.isArray(s) && s.length > 0 ? (Array.isArray(s[0]) ? (s as unknown[][]) : [s as unknown[]]).map((ch) => ch.map(Number)) : undefined;
        if (!series || series.some((ch) => ch.length === 0 || ch.some((v) => !Number.isFinite(v))) || (typeof label !== 'string' && typeof label !== 'number')) {
          throw new GlimpseError('corrupt', `${where}: needs "series" (finite numbers, or a list of channels) and a "label" (got ${show(r)}); expected ${EXPECTED}`);
        }
        if (Array.isArray(r.classes) && !declared) declared = r.classes.map(String);
        rows.push({ id: String(r.id ?? rec.key ?? i), series, label: String(label) });
      }
    } else {
      const text = readText(o.data, '--data', EXPECTED);
      for (const [i, line] of text.split(/\r?\n/).entries()) {
        if (line.trim() === '') continue;
        const cells = line.trim().split(/[\t,]+|\s+/);
        const label = cells[0]!;
        const raw = cells.slice(1);
        while (raw.length && /^nan$/i.test(raw[raw.length - 1]!)) raw.pop(); // padding of variable-length series
        const vals = raw.map((c) => (c.trim() === '' ? Number.NaN : Number(c)));
        if (vals.length === 0 || vals.some((v) => !Number.isFinite(v))) {
          throw new GlimpseError('corrupt', `${o.data}:${i + 1}: expected a label then numbers, got "${line.slice(0, 60)}"; expected ${EXPECTED}`);
        }
        rows.push({ id: String(i), series: [vals], label: label.replace(/\.0+$/, '') });
      }
    }
    if (rows.length === 0) throw new GlimpseError('corrupt', `--data ${o.data}: no series found; expected ${EXPECTED}`);
    const classes = declared ?? [...new Set(rows.map((r) => r.label))].sort((a, b) => (Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b)));
    const template = o.template ?? this.template;
    const notes: string[] = [];
    const all: EvalItem[] = rows.slice(0, o.limit ?? Infinity).map((r) => {
      const points = r.series.reduce((a, ch) => a + ch.length, 0);
      if (points > MAX_POINTS) throw new GlimpseError('too_large', `${o.data}: series "${r.id}" has ${points} points, over the ${MAX_POINTS} limit for a prompt`);
      const series = r.series.map((ch, k) => (r.series.length > 1 ? `channel ${k + 1}: ` : '') + ch.map(fmt).join(', ')).join('\n');
      return {
        id: r.id,
        sample: { id: r.id, prompt: fillTemplate(template, { series, classes: classes.join(', '), length: r.series[0]!.length, channels: r.series.length }), media: [], answer: { label: r.label }, task: 'timeseries', meta: { classes } },
        groups: {},
      };
    });
    if (!declared) notes.push(`classes taken from the data: ${classes.slice(0, 20).join(', ')}${classes.length > 20 ? ', …' : ''}`);
    return { total: all.length, items: (async function* () { yield* all; })(), notes };
  },
  async prepare(item) {
    return { request: { id: item.id, prompt: item.sample.prompt } };
  },
  oracle(item) {
    return `<answer>${item.sample.answer.label}</answer>`;
  },
  score(item, completion) {
    const truth = item.sample.answer.label!;
    const a = answerText(completion);
    if (a.failure) return { values: { correct: 0 }, failure: a.failure, reason: a.reason, pred: { truth } };
    const label = matchClass(a.text, (item.sample.meta?.classes as string[]) ?? []);
    if (label === undefined) return { values: { correct: 0 }, failure: 'unparseable', reason: 'no known class label in the answer', pred: { truth } };
    return { values: { correct: label === truth ? 1 : 0 }, pred: { label, truth } };
  },
  aggregate(rs) {
    const pairs = rs.map((r) => ({ truth: String(r.pred?.truth ?? ''), pred: typeof r.pred?.label === 'string' ? r.pred.label : undefined }));
    return { accuracy: meanOf(rs, 'correct'), 'macro-F1': macroF1(pairs) };
  },
};

registerBenchmark(timeseries);
