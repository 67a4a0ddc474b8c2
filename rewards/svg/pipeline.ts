/**
 * The SVG reward check of symbolic-graphics-programming RL (SGP-GenBench), stage by stage:
 *
 *   1. format   — an `<svg …</svg>` program is found in the completion (extractSvg: last
 *                 `<answer>`, else a fenced block, else anywhere); optionally it must be in `<answer>`;
 *   2. render   — sanitise (scripts, external references, event handlers removed), validity gate
 *                 (parses, non-zero viewBox, within limits, renders something visible), rasterise
 *                 to `size×size` over white;
 *   3. terms    — text–image T = (1 + cos(E_txt(description), E_img(render)))/2 (CLIP/SigLIP);
 *                 image–image I = (1 + cos(E_img(reference), E_img(render)))/2 (DINOv2, else the
 *                 CLIP image tower) when a reference image exists;
 *                 length L = clamp(1 − len(svg)/length_max, 0, 1) (length_max = 6000 chars);
 *   4. total    — G · Σ_k w_k·term_k / Σ_k w_k over the AVAILABLE terms, G ∈ {0, 1} the gate
 *                 (format and render passed); when no term is available the total is G. A term
 *                 whose model is not configured is reported `{ value: null, reason: 'unavailable: …' }`,
 *                 never as 0; when the gate fails the similarity terms are 0 as in the paper.
 *
 * Used by the `svg.render_check` reward, `glimpse reward svg` and bench/semantic.bench.ts.
 */
import { extractSvg } from '../../modalities/svg/extract.js';
import { renderSvgDetailed } from '../../modalities/svg/render.js';
import type { SvgRenderPool } from '../../modalities/svg/pool.js';
import type { RgbImage } from '../../modalities/types.js';
import { describeError, isGlimpseError } from '../../src/util/errors.js';
import { cosine, type Embedder } from '../semantic/embedder.js';

export interface SvgCheckOptions {
  /** What the drawing should show (text–image term); none: the term does not apply. */
  description?: string;
  /** The picture to reproduce (image–image term); none: the term does not apply. */
  reference?: RgbImage;
  /** Text–image model, or why there is none ("unavailable: …"). */
  textModel?: Embedder | string;
  /** Image–image model, or why there is none. */
  imageModel?: Embedder | string;
  weights: { text: number; image: number; length: number };
  /** Characters at which the length term reaches 0 (6000). */
  lengthMax: number;
  /** Render width = height in pixels. */
  size: number;
  /** Require the SVG inside `<answer>`. */
  requireAnswer: boolean;
  /** Keep the PNG of the render (CLI). */
  png?: boolean;
  pool?: SvgRenderPool;
  timeoutMs?: number;
}

export interface SvgTerm {
  /** The term in [0, 1], or null when it does not apply / is unavailable. */
  value: number | null;
  weight: number;
  cos?: number;
  reason?: string;
}

export interface SvgCheckResult {
  total: number;
  gate: { passed: boolean; format: { ok: boolean; via?: string; reason?: string }; render: { ok: boolean; code?: string; reason?: string; removed?: string[]; elements?: number } };
  terms: { text_image: SvgTerm; image_image: SvgTerm; length: SvgTerm };
  svgLength?: number;
  image?: RgbImage;
  png?: Uint8Array;
}

function unavailable(model: Embedder | string | undefined): string {
  return typeof model === 'string' ? model : 'unavailable: no model configured';
}

type Gated = { done: SvgCheckResult } | { svg: string; image: RgbImage; png?: Uint8Array; format: SvgCheckResult['gate']['format']; render: SvgCheckResult['gate']['render'] };

function emptyTerms(w: SvgCheckOptions['weights']): SvgCheckResult['terms'] {
  return { text_image: { value: null, weight: w.text }, image_image: { value: null, weight: w.image }, length: { value: null, weight: w.length } };
}

/** Stages 1–2 (format, sanitise + render gate) of one completion. */
async function gate(completion: unknown, o: SvgCheckOptions): Promise<Gated> {
  const terms = emptyTerms(o.weights);
  const found = typeof completion === 'string' ? extractSvg(completion) : ({ ok: false, reason: 'completion is not text' } as const);
  const format: SvgCheckResult['gate']['format'] = found.ok ? { ok: true, via: found.via } : { ok: false, reason: found.reason };
  if (found.ok && o.requireAnswer && found.via !== 'answer') {
    format.ok = false;
    format.reason = `the SVG is not inside <answer> (found via ${found.via})`;
  }
  const fail = (render: SvgCheckResult['gate']['render'], svgLength?: number): Gated => {
    for (const t of Object.values(terms)) {
      t.value = t.weight > 0 ? 0 : null;
      t.reason = 'gate failed';
    }
    return { done: { total: 0, gate: { passed: false, format, render }, terms, ...(svgLength !== undefined ? { svgLength } : {}) } };
  };
  if (!format.ok || !found.ok) return fail({ ok: false, reason: 'not rendered (no SVG)' });
  const svg = found.value;
  try {
    const r = await renderSvgDetailed(svg, { width: o.size, height: o.size, png: o.png === true, ...(o.pool ? { pool: o.pool } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    return { svg, image: { width: r.width, height: r.height, data: r.data }, ...(r.png ? { png: r.png } : {}), format, render: { ok: true, removed: r.removed, elements: r.elements } };
  } catch (e) {
    return fail({ ok: false, code: isGlimpseError(e) ? e.code : 'render_error', reason: describeError(e) }, svg.length);
  }
}

/** Runs the stages on one completion; never throws (failures become gate verdicts or term reasons). */
export async function checkSvgCompletion(completion: unknown, o: SvgCheckOptions): Promise<SvgCheckResult> {
  return (await checkSvgCompletions([completion], o))[0]!;
}

/**
 * Runs the stages on a batch of completions judged against the same description and reference
 * (a GRPO group): renders in parallel in the render pool, then embeds every render in ONE
 * batched model call per model (the description's and the reference's embeddings are cached).
 */
export async function checkSvgCompletions(completions: readonly unknown[], o: SvgCheckOptions): Promise<SvgCheckResult[]> {
  const w = o.weights;
  const gated = await Promise.all(completions.map((c) => gate(c, o)));
  const passed = gated.flatMap((g, i) => ('done' in g ? [] : [i]));
  const renders = passed.map((i) => (gated[i] as Exclude<Gated, { done: SvgCheckResult }>).image);
  const textTerm: Array<Partial<SvgTerm>> = passed.map(() => ({}));
  const imageTerm: Array<Partial<SvgTerm>> = passed.map(() => ({}));
  const fill = (arr: Array<Partial<SvgTerm>>, reason: string) => arr.forEach((t) => (t.reason = reason));
  if (passed.length > 0) {
    const tm = o.textModel;
    if (w.text <= 0) fill(textTerm, 'weight 0');
    else if (!o.description) fill(textTerm, 'no description');
    else if (typeof tm !== 'object') fill(textTerm, unavailable(tm));
    else {
      try {
        const [t] = await tm.embedTexts([o.description]);
        const vs = await tm.embedImages(renders);
        vs.forEach((v, k) => {
          const cos = cosine(t!, v);
          textTerm[k] = { value: (1 + cos) / 2, cos };
        });
      } catch (e) {
        fill(textTerm, `unavailable: ${describeError(e)}`);
      }
    }
    const im = o.imageModel;
    if (w.image <= 0) fill(imageTerm, 'weight 0');
    else if (!o.reference) fill(imageTerm, 'no reference image');
    else if (typeof im !== 'object') fill(imageTerm, unavailable(im));
    else {
      try {
        const [ref, ...vs] = await im.embedImages([o.reference, ...renders]);
        vs.forEach((v, k) => {
          const cos = cosine(ref!, v);
          imageTerm[k] = { value: (1 + cos) / 2, cos };
        });
      } catch (e) {
        fill(imageTerm, `unavailable: ${describeError(e)}`);
      }
    }
  }
  return gated.map((g, i) => {
    if ('done' in g) return g.done;
    const k = passed.indexOf(i);
    const terms = emptyTerms(w);
    Object.assign(terms.text_image, textTerm[k]);
    Object.assign(terms.image_image, imageTerm[k]);
    if (w.length > 0) terms.length.value = Math.max(0, Math.min(1, 1 - g.svg.length / o.lengthMax));
    else terms.length.reason = 'weight 0';
    let num = 0;
    let den = 0;
    for (const t of Object.values(terms)) {
      if (t.value !== null && t.value !== undefined && t.weight > 0) {
        num += t.weight * t.value;
        den += t.weight;
      }
    }
    return { total: den > 0 ? num / den : 1, gate: { passed: true, format: g.format, render: g.render }, terms, svgLength: g.svg.length, image: g.image, ...(g.png ? { png: g.png } : {}) };
  });
}
