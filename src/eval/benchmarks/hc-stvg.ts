/**
 * HC-STVG spatio-temporal video grounding (Tang et al., 2021, "Human-centric Spatio-Temporal Video
 * Grounding With Visual Transformers"). Over the predicted frame set P and the true frame set G:
 * tIoU = |P∩G| / |P∪G|, vIoU = Σ_{t∈P∩G} IoU(b̂_t, b_t) / |P∪G|; m_tIoU and m_vIoU are means over
 * queries; vIoU@R = share with vIoU > R (strict), R ∈ {0.3, 0.5}.
 *
 * Data: the HC-STVG annotation JSON (v1/v2), an object keyed by video file name, each entry with
 * `st_frame`, `ed_frame`, `bbox` (one COCO [x, y, w, h] box per frame from `st_frame` on),
 * `img_num`, `img_hw` ([h, w]), `caption` or `English`, optionally `st_time`/`ed_time`/`fps`; a
 * JSON list of such records with a `vid`/`video`/`video_name` key works too. Frame f is at
 * f / fps seconds, fps = `fps`, else `img_num / duration` with `duration` (default 20 s: HC-STVG
 * clips are 20 s long). `--media` is the video folder.
 *
 * Answer format: `{"span": [start, end], "times": {"<time s>": [x1, y1, x2, y2], ...}}` — a span in
 * seconds then boxes at chosen times (the frames shown). P is every annotated frame whose time lies
 * in the span (to 1 % of a frame); each gets the box given at the nearest time.
 */
import type { BBox } from '../../../data/schema.js';
import { tubeIoU } from '../../../rewards/geometry/math.js';
import { parseTube } from '../../../rewards/geometry/tube_parse.js';
import { parseSpan } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { findMedia, num, num4, readRecords, requireDir } from '../loaders/files.js';
import { meanOf, shareAbove } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EvalItem, SampleScore, PreparedItem } from '../types.js';
import { THINK_ANSWER, answerText, fillTemplate, mapOf, renderTimeline, roundFor, show, videoRequest } from './common.js';
import { VIDEO_EXTS } from './charades-sta.js';

const EXPECTED = 'the HC-STVG annotation JSON: {"<video>.mp4": {"st_frame", "ed_frame", "bbox": [[x,y,w,h], ...], "img_num", "img_hw": [h,w], "caption"}}';

interface StvgMeta {
  fps: number;
  imgNum: number;
  /** First annotated frame. */
  stFrame: number;
  /** [w, h] of the video. */
  size?: [number, number];
  caption: string;
  video: string;
}

/** The true tube: frame index -> [x1, y1, x2, y2]. */
function gtTube(item: EvalItem): Map<number, BBox> {
  const m = new Map<number, BBox>();
  for (const [k, b] of Object.entries(item.sample.answer.tube?.frames ?? {})) m.set(Number(k), b as BBox);
  return m;
}

/**
 * Parses the answer into a span and time-keyed boxes (model space): the span with the shared
 * `parseSpan` (of the `"span"` value, else of the whole text when there are no boxes), the boxes
 * with the geometry rewards' `parseTube` (`"times": {"1.5": [...]}`, or a list of `{"time",
 * "bbox_2d"}`). Without a span, the span runs from the first to the last box.
 */
export function parseTubeAnswer(text: string): { span?: [number, number]; boxes: Array<{ time: number; bbox: BBox }>; reason?: string } {
  const tube = parseTube(text);
  const boxes = 'error' in tube || tube.kind === 'frames' ? [] : tube.entries.map(([time, bbox]) => ({ time, bbox: bbox as BBox }));
  const boxReason = 'error' in tube ? tube.error : tube.kind === 'frames' ? 'boxes are keyed by frame, not by time' : undefined;
  const keyed = /["']?span["']?\s*[:=]\s*(\[[^\]]*\]|\{[^}]*\})/i.exec(text);
  const sp = keyed ? parseSpan(keyed[1]!) : undefined;
  if (sp?.ok) return { span: sp.value, boxes, ...(boxes.length === 0 ? { reason: boxReason ?? 'no boxes' } : {}) };
  if (boxes.length > 0) {
    const ts = boxes.map((b) => b.time);
    return { span: [Math.min(...ts), Math.max(...ts)], boxes };
  }
  const bare = sp ?? parseSpan(text);
  if (bare.ok) return { span: bare.value, boxes, reason: boxReason ?? 'no boxes' };
  return { boxes, reason: bare.reason };
}

function scoreTube(item: EvalItem, completion: string, prepared: PreparedItem): SampleScore {
  const meta = item.sample.meta as unknown as StvgMeta;
  const a = answerText(completion);
  if (a.failure) return { values: { tIoU: 0, vIoU: 0 }, failure: a.failure, reason: a.reason };
  const p = parseTubeAnswer(a.text);
  if (!p.span) return { values: { tIoU: 0, vIoU: 0 }, failure: 'unparseable', reason: p.reason };
  const map = mapOf(prepared.coords);
  const keys = p.boxes.map((b) => ({ time: b.time, bbox: map.boxToOriginal(b.bbox) }));
  const pred = new Map<number, BBox>();
  const [s, e] = p.span;
  const first = Math.max(0, Math.ceil(s * meta.fps - 0.01));
  const last = Math.min(meta.imgNum - 1, Math.floor(e * meta.fps + 0.01));
  for (let f = first; f <= last && f - first < 1_000_000; f++) {
    const t = f / meta.fps;
    let best: BBox = [0, 0, 0, 0];
    let bestD = Infinity;
    for (const k of keys) {
      const d = Math.abs(k.time - t);
      if (d < bestD) {
        bestD = d;
        best = k.bbox;
      }
    }
    pred.set(f, best);
  }
  const r = tubeIoU(pred, gtTube(item));
  return { values: { tIoU: r.tIoU, vIoU: r.vIoU }, pred: { span: p.span, boxes: keys }, ...(keys.length === 0 ? { reason: p.reason ?? 'no boxes' } : {}) };
}

const hcstvg: Benchmark = {
  name: 'hc-stvg',
  aliases: ['hcstvg', 'hc-stvg2'],
  description: 'HC-STVG spatio-temporal grounding: a span and per-frame boxes; m_tIoU, m_vIoU, vIoU@0.3/0.5 (vIoU > R)',
  paper: 'HC-STVG (Tang et al., 2021)',
  formats: [EXPECTED + ' + --media video folder'],
  metrics: ['m_tIoU', 'm_vIoU', 'vIoU@0.3', 'vIoU@0.5'],
  template: `The video frames are given with their times. Find the person described by: "{caption}". Give the time span in seconds when the description happens and the person's bounding box in each shown frame inside that span. ${THINK_ANSWER} Answer as JSON: <answer>{"span": [start, end], "times": {"<time>": [x1, y1, x2, y2], ...}}</answer>.`,
  async load(o) {
    const records = readRecords(o.data, '--data', EXPECTED);
    const media = o.media ? requireDir(o.media, '--media', 'the folder of HC-STVG videos') : o.needMedia ? requireDir(undefined, '--media', 'the folder of HC-STVG videos') : undefined;
    const template = o.template ?? this.template;
    const limit = o.limit ?? Infinity;
    const notes: string[] = [];
    const all: EvalItem[] = [];
    for (const rec of records) {
      if (all.length >= limit) break;
      const where = rec.key !== undefined ? `${o.data}["${rec.key}"]` : `${o.data}:${rec.line}`;
      const r = rec.value as Record<string, unknown>;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new GlimpseError('corrupt', `${where}: expected an object; expected ${EXPECTED}`);
      const video = String(rec.key ?? r.vid ?? r.video ?? r.video_name ?? r.video_path ?? '');
      const st = num(r.st_frame);
      const boxesRaw = r.bbox;
      const imgNum = num(r.img_num ?? r.frame_count);
      const caption = [r.caption, r.English, r.sentence, r.description].find((v) => typeof v === 'string') as string | undefined;
      if (video === '' || st === undefined || !Array.isArray(boxesRaw) || boxesRaw.length === 0 || imgNum === undefined || caption === undefined) {
        throw new GlimpseError('corrupt', `${where}: needs a video name, st_frame, a non-empty bbox list, img_num and caption (got ${show(Object.keys(r))}); expected ${EXPECTED}`);
      }
      const fps = num(r.fps) ?? imgNum / (num(r.duration) ?? 20);
      if (!(fps > 0)) throw new GlimpseError('corrupt', `${where}: frame rate ${fps} is not positive`);
      const frames: Record<string, BBox> = {};
      for (const [i, b] of boxesRaw.entries()) {
        const x = num4(b);
        if (!x) throw new GlimpseError('corrupt', `${where}: bbox[${i}] = ${show(b)} is not [x, y, w, h]`);
        frames[String(st + i)] = [x[0], x[1], x[0] + x[2], x[1] + x[3]];
      }
      const ed = num(r.ed_frame);
      if (ed !== undefined && ed - st !== boxesRaw.length && ed - st + 1 !== boxesRaw.length && notes.length < 5) {
        notes.push(`${where}: ${boxesRaw.length} boxes for frames ${st}–${ed}; frames are taken as st_frame + box index`);
      }
      const hw = Array.isArray(r.img_hw) ? r.img_hw.map(num) : [];
      const size = hw.length === 2 && hw[0] && hw[1] ? ([hw[1], hw[0]] as [number, number]) : undefined;
      const id = String(r.id ?? r.qid ?? video);
      const stem = video.replace(/\.[a-z0-9]+$/i, '');
      const path = media ? findMedia(media, video, []) ?? findMedia(media, stem, VIDEO_EXTS) ?? `${media}/${video}` : video;
      const meta: StvgMeta = { fps, imgNum, stFrame: st, caption, video, ...(size ? { size } : {}) };
      all.push({
        id,
        sample: { id, prompt: fillTemplate(template, { caption }), media: [{ kind: 'video', path }], answer: { tube: { frames }, span: [st / fps, (st + boxesRaw.length - 1) / fps] }, task: 'hc-stvg', meta: meta as unknown as Record<string, unknown> },
        groups: {},
      });
    }
    if (all.length === 0 && limit > 0) throw new GlimpseError('corrupt', `--data ${o.data}: no annotations found; expected ${EXPECTED}`);
    return { total: all.length, items: (async function* () { yield* all; })(), notes };
  },
  async prepare(item, o, withMedia) {
    const meta = item.sample.meta as unknown as StvgMeta;
    const space = o.coords ?? 'pixel';
    if (!withMedia) {
      return { request: { id: item.id, prompt: item.sample.prompt }, ...(meta.size ? { coords: { original: meta.size, space } } : {}) };
    }
    const v = await videoRequest(item, o);
    // the adapter's map goes to decoded-frame pixels; the annotation's img_hw is the original size
    const coords = meta.size ? { ...v.coords, original: meta.size } : v.coords;
    return { request: { id: item.id, prompt: `${v.text}\n${item.sample.prompt}`, images: v.images }, coords, context: { times: v.times } };
  },
  oracle(item, p) {
    const meta = item.sample.meta as unknown as StvgMeta;
    const map = mapOf(p.coords);
    const [s, e] = item.sample.answer.span!;
    const boxes = [...gtTube(item).entries()].map(([f, b]) => `"${(f / meta.fps).toFixed(4)}": [${map.boxFromOriginal(b).map((v) => roundFor(map.space, v)).join(', ')}]`);
    return `<think>Found the person.</think><answer>{"span": [${s.toFixed(4)}, ${e.toFixed(4)}], "times": {${boxes.join(', ')}}}</answer>`;
  },
  score: scoreTube,
  aggregate(rs) {
    return { m_tIoU: meanOf(rs, 'tIoU'), m_vIoU: meanOf(rs, 'vIoU'), 'vIoU@0.3': shareAbove(rs, 'vIoU', 0.3), 'vIoU@0.5': shareAbove(rs, 'vIoU', 0.5) };
  },
  async renderExample(item, r) {
    const meta = item.sample.meta as unknown as StvgMeta;
    const span = r.pred?.span as [number, number] | undefined;
    return renderTimeline(meta.imgNum / meta.fps, item.sample.answer.span!, span, `${meta.caption} — tIoU ${(r.values.tIoU ?? 0).toFixed(2)}, vIoU ${(r.values.vIoU ?? 0).toFixed(2)}`);
  },
};

registerBenchmark(hcstvg);
