/**
 * Charades-STA temporal grounding (Gao et al., 2017, "TALL: Temporal Activity Localization via
 * Language Query"). tIoU = max(0, min(e) − max(s)) / (max(e) − min(s)) in seconds; R1@m = share of
 * queries with tIoU ≥ m (inclusive) for m ∈ {0.3, 0.5, 0.7}; mIoU = mean tIoU.
 *
 * Data: `charades_sta_test.txt`, one query per line, `VIDEO_ID START END##sentence`
 * (e.g. `3MSZA 24.3 30.4##person turn a light on.`), with `--media` the folder of `VIDEO_ID.mp4`
 * files (Charades_v1_480). The model answers a span in seconds.
 */
import type { Span } from '../../../data/schema.js';
import { temporalIoU } from '../../../rewards/geometry/math.js';
import { parseSpan } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { findMedia, readText, requireDir } from '../loaders/files.js';
import { meanOf, shareAtLeast } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EvalItem } from '../types.js';
import { THINK_ANSWER, answerText, fillTemplate, renderTimeline, videoRequest } from './common.js';

const EXPECTED = 'charades_sta_test.txt: lines "VIDEO_ID START END##sentence"';
export const VIDEO_EXTS = ['.mp4', '.webm', '.mkv', '.avi', '.mov'];

/** Parses one Charades-STA line; undefined for blank lines; GlimpseError naming the line otherwise. */
export function parseCharadesLine(line: string, where: string): { vid: string; span: Span; sentence: string } | undefined {
  if (line.trim() === '') return undefined;
  const cut = line.indexOf('##');
  if (cut < 0) throw new GlimpseError('corrupt', `${where}: no "##" between the times and the sentence; expected ${EXPECTED}`);
  const head = line.slice(0, cut).trim().split(/\s+/);
  const sentence = line.slice(cut + 2).trim();
  const s = Number(head[1]);
  const e = Number(head[2]);
  if (head.length !== 3 || !head[0] || !Number.isFinite(s) || !Number.isFinite(e)) {
    throw new GlimpseError('corrupt', `${where}: "${line.slice(0, cut).slice(0, 60)}" is not "VIDEO_ID START END"; expected ${EXPECTED}`);
  }
  if (sentence === '') throw new GlimpseError('corrupt', `${where}: empty sentence after "##"`);
  return { vid: head[0], span: [s, e], sentence };
}

const charades: Benchmark = {
  name: 'charades-sta',
  aliases: ['charades'],
  description: 'Charades-STA temporal grounding: a [start, end] span in seconds per query; R1@0.3/0.5/0.7 (tIoU ≥ m), mIoU',
  paper: 'Charades-STA (Gao et al., 2017, TALL)',
  formats: [EXPECTED + ' + --media folder of VIDEO_ID.mp4'],
  metrics: ['R1@0.3', 'R1@0.5', 'R1@0.7', 'mIoU'],
  template: `To accurately pinpoint the event "{sentence}" in the video, determine the precise time period of the event. ${THINK_ANSWER} In the <answer> tags give the start and end times in seconds as "start - end", e.g. <answer>12.54 - 17.83</answer>.`,
  async load(o) {
    const text = readText(o.data, '--data', EXPECTED);
    const media = o.media ? requireDir(o.media, '--media', 'the folder of Charades videos (VIDEO_ID.mp4)') : o.needMedia ? requireDir(undefined, '--media', 'the folder of Charades videos (VIDEO_ID.mp4)') : undefined;
    const template = o.template ?? this.template;
    const limit = o.limit ?? Infinity;
    const notes: string[] = [];
    const all: EvalItem[] = [];
    let skipped = 0;
    const lines = text.split(/\r?\n/);
    for (const [i, line] of lines.entries()) {
      if (all.length >= limit) break;
      const q = parseCharadesLine(line, `${o.data}:${i + 1}`);
      if (!q) continue;
      if (!(q.span[1] > q.span[0])) {
        skipped++;
        if (skipped <= 3) notes.push(`${o.data}:${i + 1}: skipped, end ${q.span[1]} is not after start ${q.span[0]}`);
        continue;
      }
      const id = `${q.vid}#${i + 1}`;
      const path = media ? findMedia(media, q.vid, VIDEO_EXTS) ?? `${media}/${q.vid}.mp4` : q.vid;
      all.push({
        id,
        sample: { id, prompt: fillTemplate(template, { sentence: q.sentence.replace(/\.$/, '') }), media: [{ kind: 'video', path }], answer: { span: q.span }, task: 'charades-sta', meta: { video: q.vid, sentence: q.sentence } },
        groups: {},
      });
    }
    if (all.length === 0 && limit > 0) throw new GlimpseError('corrupt', `--data ${o.data}: no queries found; expected ${EXPECTED}`);
    if (skipped > 3) notes.push(`… ${skipped} line(s) skipped in all`);
    return { total: all.length, items: (async function* () { yield* all; })(), notes };
  },
  async prepare(item, o, withMedia) {
    if (!withMedia) return { request: { id: item.id, prompt: item.sample.prompt } };
    const v = await videoRequest(item, o);
    return {
      request: { id: item.id, prompt: `${v.text}\n${item.sample.prompt}`, images: v.images },
      context: { times: v.times, ...(v.duration !== undefined ? { duration: v.duration } : {}) },
    };
  },
  oracle(item) {
    const [s, e] = item.sample.answer.span!;
    return `<think>The event happens here.</think><answer>${s.toFixed(2)} - ${e.toFixed(2)}</answer>`;
  },
  score(item, completion) {
    const a = answerText(completion);
    if (a.failure) return { values: { tIoU: 0 }, failure: a.failure, reason: a.reason };
    const sp = parseSpan(a.text);
    if (!sp.ok) return { values: { tIoU: 0 }, failure: 'unparseable', reason: sp.reason };
    return { values: { tIoU: temporalIoU(sp.value, item.sample.answer.span!) }, pred: { span: sp.value } };
  },
  aggregate(rs) {
    return { 'R1@0.3': shareAtLeast(rs, 'tIoU', 0.3), 'R1@0.5': shareAtLeast(rs, 'tIoU', 0.5), 'R1@0.7': shareAtLeast(rs, 'tIoU', 0.7), mIoU: meanOf(rs, 'tIoU') };
  },
  async renderExample(item, r) {
    const d = typeof r.context?.duration === 'number' ? r.context.duration : undefined;
    return renderTimeline(d, item.sample.answer.span!, r.pred?.span as Span | undefined, `${String(item.sample.meta?.sentence ?? item.id)} — tIoU ${(r.values.tIoU ?? 0).toFixed(2)}`);
  },
};

registerBenchmark(charades);
