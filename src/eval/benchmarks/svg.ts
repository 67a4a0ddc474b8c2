/**
 * SVG generation from text (SGP-GenBench style, "Symbolic Graphics Programming"). Metrics:
 * validity = share of completions holding an `<svg>…</svg>` that passes glimpse's validity gate and
 * renders (modalities/svg: sanitiser, limits, resvg); CLIP score = mean (1 + cos(text, render))/2
 * and DINO score = mean (1 + cos(reference render, render))/2 over all samples, an invalid or
 * missing SVG counting 0 (the gate of the SVG-RL reward). The embedding models come from local
 * folders named by GLIMPSE_CLIP_MODEL / GLIMPSE_DINO_MODEL (rewards/semantic); without one the
 * metric is reported as `unavailable`, never as 0.
 *
 * Data: JSON/JSONL records `{"id"?, "caption" | "prompt" | "text" | "description": "...",
 * "svg"?: reference SVG, "category"?}`.
 */
import { checkSvg, closeDefaultSvgPool, extractSvg, renderSvg, renderSvgPng } from '../../../modalities/svg/index.js';
import { cosine, resolveEmbedder } from '../../../rewards/semantic/index.js';
import { GlimpseError } from '../../util/errors.js';
import { readRecords } from '../loaders/files.js';
import { meanOf } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EvalItem } from '../types.js';
import { THINK_ANSWER, fillTemplate, show } from './common.js';

const EXPECTED = 'JSON/JSONL records {"caption": "...", "svg"?: "<svg ...>"} (SGP-GenBench style)';

const RENDER = { width: 224, height: 224, background: '#ffffff' };

/** 0 for the similarity metrics whose model is configured (an invalid SVG scores 0). */
async function zeros(item: EvalItem): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if ((await resolveEmbedder('text_image', undefined, undefined)).ok) out.clip = 0;
  if (typeof item.sample.meta?.svg === 'string' && (await resolveEmbedder('image_image', undefined, undefined)).ok) out.dino = 0;
  return out;
}

/** (1 + cos)/2 of caption vs render (CLIP) and reference render vs render (DINO), where models are configured. */
async function similarity(item: EvalItem, svg: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const clip = await resolveEmbedder('text_image', undefined, undefined);
  const dino = await resolveEmbedder('image_image', undefined, undefined);
  if (!clip.ok && !dino.ok) return out;
  const render = await renderSvg(svg, RENDER);
  if (clip.ok && clip.embedder.hasText) {
    const caption = String(item.sample.meta?.caption ?? item.sample.answer.text ?? '');
    const [t] = await clip.embedder.embedTexts([caption]);
    const [i] = await clip.embedder.embedImages([render]);
    out.clip = (1 + cosine(t!, i!)) / 2;
  }
  const ref = item.sample.meta?.svg;
  if (dino.ok && typeof ref === 'string') {
    const refRender = await renderSvg(ref, RENDER).catch(() => undefined);
    if (refRender) {
      const [a, b] = await dino.embedder.embedImages([refRender, render]);
      out.dino = (1 + cosine(a!, b!)) / 2;
    }
  }
  return out;
}

const svgBench: Benchmark = {
  name: 'svg',
  aliases: ['svg-generation', 'sgp-genbench'],
  description: 'text-to-SVG generation: render validity rate, CLIP score and DINO score (models from GLIMPSE_CLIP_MODEL / GLIMPSE_DINO_MODEL)',
  paper: 'SGP-GenBench ("Symbolic Graphics Programming with Large Language Models")',
  formats: [EXPECTED],
  metrics: ['validity', 'CLIP', 'DINO'],
  percentMetrics: ['validity'],
  template: `Write an SVG program that depicts: {caption}. ${THINK_ANSWER} Put the complete <svg>…</svg> code in the <answer> tags.`,
  async load(o) {
    const template = o.template ?? this.template;
    const all: EvalItem[] = [];
    for (const [i, rec] of readRecords(o.data, '--data', EXPECTED).entries()) {
      if (all.length >= (o.limit ?? Infinity)) break;
      const where = rec.key !== undefined ? `${o.data}["${rec.key}"]` : `${o.data}:${rec.line}`;
      const r = rec.value as Record<string, unknown>;
      const caption = [r?.caption, r?.prompt, r?.text, r?.description].find((v) => typeof v === 'string') as string | undefined;
      if (caption === undefined) throw new GlimpseError('corrupt', `${where}: no "caption" (got ${show(r)}); expected ${EXPECTED}`);
      const id = String(r.id ?? rec.key ?? i);
      all.push({
        id,
        sample: { id, prompt: fillTemplate(template, { caption }), media: typeof r.svg === 'string' ? [{ kind: 'svg', data: r.svg }] : [], answer: { text: caption }, task: 'svg', meta: { caption, ...(typeof r.svg === 'string' ? { svg: r.svg } : {}) } },
        groups: typeof r.category === 'string' ? { category: r.category } : {},
      });
    }
    return { total: all.length, items: (async function* () { yield* all; })(), notes: [] };
  },
  async prepare(item) {
    return { request: { id: item.id, prompt: item.sample.prompt } };
  },
  oracle(item) {
    const ref = item.sample.meta?.svg;
    return `<answer>${typeof ref === 'string' ? ref : '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect x="1" y="1" width="8" height="8" fill="red"/></svg>'}</answer>`;
  },
  async score(_item, completion) {
    if (typeof completion !== 'string' || completion.trim() === '') return { values: { valid: 0 }, failure: 'empty', reason: 'empty completion' };
    const svg = extractSvg(completion);
    if (!svg.ok) return { values: { valid: 0 }, failure: 'unparseable', reason: svg.reason };
    const v = await checkSvg(svg.value);
    if (!v.ok) return { values: { valid: 0, ...(await zeros(_item)) }, reason: `invalid SVG (${v.code}): ${v.reason}`, pred: { svg: svg.value.slice(0, 20_000) } };
    return { values: { valid: 1, ...(await similarity(_item, svg.value)) }, pred: { svg: svg.value.slice(0, 200_000) } };
  },
  aggregate(rs) {
    const metric = (key: string) => (rs.some((r) => r.values[key] !== undefined) ? meanOf(rs, key) : 'unavailable');
    return { validity: meanOf(rs, 'valid'), CLIP: metric('clip'), DINO: metric('dino') };
  },
  async renderExample(_item, r) {
    if (r.values.valid !== 1 || typeof r.pred?.svg !== 'string') return undefined;
    return renderSvgPng(r.pred.svg, { width: 256, height: 256 });
  },
  async close() {
    await closeDefaultSvgPool();
  },
};

registerBenchmark(svgBench);
