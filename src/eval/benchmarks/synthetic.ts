/**
 * glimpse's synthetic tasks (data/synthetic: `grounding`, ...) and any JSONL of Samples, scored by
 * a reward pipeline. Metrics: `reward` (mean total of the pipeline), `reward/<component>` (mean of
 * each component over the samples where it applies), and for box tasks `Acc@0.5` (share with
 * `geometry.iou` > 0.5, as RefCOCO).
 *
 * Data: a JSONL file of Samples (data/schema.ts), media paths relative to the file. The pipeline is
 * `--pipeline <rewards.yaml>`, else the pipeline the samples' synthetic `task` declares.
 */
import { readFile } from 'node:fs/promises';
import { loadSamplesJsonl } from '../../../data/jsonl.js';
import { getSyntheticTask } from '../../../data/synthetic/index.js';
import { createCoordinateMap } from '../../../modalities/coords.js';
import { compilePipeline, loadPipelineFile, type Pipeline } from '../../../rewards/compose.js';
import '../../../rewards/index.js';
import { parseBoxes, parseChoice, parseNumber, parseSpan } from '../../../rewards/parse/index.js';
import { GlimpseError, describeError } from '../../util/errors.js';
import { encodedImage, prepareImage } from '../images.js';
import { requireFile } from '../loaders/files.js';
import { meanOf } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EncodedImage, EvalItem, MetricValue, SampleResult } from '../types.js';
import { answerText, mapOf, roundFor, renderBoxes } from './common.js';
import type { BBox } from '../../../data/schema.js';

const EXPECTED = 'a JSONL file of glimpse Samples ({"id", "prompt", "media", "answer", "task"?}), e.g. test.jsonl written by the synthetic task generator';

const pipelines = new Map<string, Pipeline>();

/** Why the answer holds nothing of the ground truth's kind (box, span, choice, number), or undefined. */
function unparseable(item: EvalItem, text: string): string | undefined {
  const a = item.sample.answer;
  const r = a.bbox || a.boxes ? parseBoxes(text) : a.span ? parseSpan(text) : a.choice !== undefined ? parseChoice(text) : a.number !== undefined ? parseNumber(text) : undefined;
  return r && !r.ok ? r.reason : undefined;
}

async function pipelineFor(item: EvalItem, file: unknown): Promise<Pipeline> {
  const key = typeof file === 'string' ? `file:${file}` : `task:${item.sample.task ?? ''}`;
  let p = pipelines.get(key);
  if (p) return p;
  if (typeof file === 'string') p = await loadPipelineFile(file);
  else {
    if (!item.sample.task) throw new GlimpseError('bad_config', `${item.id}: sample has no "task" and no --pipeline was given; pass --pipeline <rewards.yaml>`);
    p = compilePipeline(getSyntheticTask(item.sample.task).pipeline, { name: item.sample.task });
  }
  pipelines.set(key, p);
  return p;
}

const synthetic: Benchmark = {
  name: 'synthetic',
  aliases: ['glimpse', 'samples'],
  description: "glimpse's synthetic tasks or any Sample JSONL, scored by a reward pipeline: mean reward per component (+ Acc@0.5 for boxes)",
  formats: [EXPECTED],
  metrics: ['reward', 'Acc@0.5'],
  percentMetrics: ['Acc@0.5'],
  template: '{prompt}',
  async load(o) {
    requireFile(o.data, '--data', EXPECTED);
    if (typeof o.extra?.pipeline === 'string') await loadPipelineFile(o.extra.pipeline); // fail early on a bad pipeline
    const { samples, problems } = await loadSamplesJsonl(o.data, { ...(o.limit !== undefined ? { limit: o.limit } : {}) });
    if (samples.length === 0 && (o.limit ?? 1) > 0) {
      throw new GlimpseError('corrupt', `--data ${o.data}: no valid samples${problems[0] ? ` (line ${problems[0].line}: ${problems[0].error})` : ''}; expected ${EXPECTED}`);
    }
    const notes = problems.slice(0, 5).map((p) => `${o.data}:${p.line}: skipped (${p.error})`);
    if (problems.length > 5) notes.push(`… ${problems.length} bad line(s) in all`);
    const template = o.template ?? this.template;
    const all: EvalItem[] = samples.map((s) => {
      const images = s.media.filter((m) => m.kind === 'image');
      const item: EvalItem = { id: s.id, sample: { ...s, prompt: template.replace(/\{prompt\}/g, s.prompt) }, groups: s.task ? { task: s.task } : {} };
      if (images.length) {
        item.loadImages = async (): Promise<EncodedImage[]> =>
          Promise.all(
            images.map(async (m, k) => {
              if (m.data !== undefined) return encodedImage(new Uint8Array(Buffer.from(m.data, 'base64')), `${s.id} media ${k}`);
              let bytes: Uint8Array;
              try {
                bytes = new Uint8Array(await readFile(m.path!));
              } catch (e) {
                throw new GlimpseError('not_found', `${m.path}: image of sample ${s.id} cannot be read (${describeError(e)})`);
              }
              return encodedImage(bytes, m.path!);
            }),
          );
      }
      return item;
    });
    return { total: all.length, items: (async function* () { yield* all; })(), notes };
  },
  async prepare(item, o, withMedia) {
    const space = o.coords ?? 'pixel';
    const context = { pipeline: typeof o.extra?.pipeline === 'string' ? o.extra.pipeline : null };
    if (!item.loadImages || (!withMedia && space === 'pixel')) return { request: { id: item.id, prompt: item.sample.prompt }, context };
    const images: EncodedImage[] = [];
    let coords;
    for (const [k, img] of (await item.loadImages()).entries()) {
      const p = await prepareImage(img, item.id, { maxPixels: withMedia ? o.maxPixels : 0, minPixels: o.minPixels });
      if (withMedia) images.push(p.image);
      if (k === 0) coords = { original: p.original, input: p.input, space };
    }
    return { request: { id: item.id, prompt: item.sample.prompt, images }, ...(coords ? { coords } : {}), context };
  },
  oracle(item, p) {
    const a = item.sample.answer;
    const m = mapOf(p.coords);
    let body = '';
    if (a.bbox) body = JSON.stringify({ bbox_2d: m.boxFromOriginal(a.bbox).map((v) => roundFor(m.space, v)), ...(a.label ? { label: a.label } : {}) });
    else if (a.span) body = `${a.span[0]} - ${a.span[1]}`;
    else if (a.choice !== undefined) body = a.choice;
    else if (a.number !== undefined) body = String(a.number);
    else if (a.text !== undefined) body = a.text;
    else body = JSON.stringify(a);
    return `<think>Looking at it.</think>\n<answer>${body}</answer>`;
  },
  async score(item, completion, prepared) {
    const pipeline = await pipelineFor(item, prepared.context?.pipeline ?? undefined);
    const coords = prepared.coords ? createCoordinateMap(prepared.coords) : undefined;
    const s = await pipeline.score({ completion, sample: item.sample, ...(coords ? { coords } : {}) });
    const values: Record<string, number> = { reward: s.reward };
    for (const [k, v] of Object.entries(s.components)) if (v !== null) values[`reward/${k}`] = v;
    const a = answerText(completion);
    const unparsed = a.failure ? undefined : unparseable(item, a.text);
    const reasons = Object.entries(s.reasons).map(([k, r]) => `${k}: ${r}`);
    const failure = a.failure ?? (unparsed ? 'unparseable' : undefined);
    const reason = unparsed ?? (reasons.length ? reasons.join('; ').slice(0, 300) : undefined);
    return { values, pred: { reward: s.reward }, ...(failure ? { failure } : {}), ...(reason ? { reason } : {}) };
  },
  aggregate(rs: readonly SampleResult[]) {
    const out: Record<string, MetricValue> = { reward: meanOf(rs, 'reward') };
    const keys = new Set<string>();
    for (const r of rs) for (const k of Object.keys(r.values)) if (k.startsWith('reward/')) keys.add(k);
    for (const k of [...keys].sort()) {
      const sub = rs.filter((r) => r.values[k] !== undefined);
      out[k] = meanOf(sub, k);
    }
    const withIou = rs.filter((r) => r.values['reward/geometry.iou'] !== undefined);
    out['Acc@0.5'] = withIou.length ? withIou.filter((r) => r.values['reward/geometry.iou']! > 0.5).length / withIou.length : Number.NaN;
    return out;
  },
  async renderExample(item, r) {
    if (!item.sample.answer.bbox || !item.loadImages) return undefined;
    const pred = r.completion ? parseBoxes(answerText(r.completion).text) : undefined;
    const box = pred?.ok ? mapOf(r.coords).boxToOriginal(pred.value[0]!.bbox) : undefined;
    return renderBoxes(item, item.sample.answer.bbox as BBox, box);
  },
};

registerBenchmark(synthetic);
