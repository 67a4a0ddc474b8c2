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

/** Runs the stages on one completion; never throws (failures become gate verdicts or term reasons). */
export async function checkSvgCompletion(completion: unknown, o: SvgCheckOptions): Promise<SvgCheckResult> {
  const w = o.weights;
  const terms: SvgCheckResult['terms'] = {
    text_image: { value: null, weight: w.text },
    image_image: { value: null, weight: w.image },
    length: { value: null, weight: w.length },
  };
  const found = typeof completion === 'string' ? extractSvg(completion) : ({ ok: false, reason: 'completion is not text' } as const);
  const format: SvgCheckResult['gate']['format'] = found.ok ? { ok: true, via: found.via } : { ok: false, reason: found.reason };
  if (found.ok && o.requireAnswer && found.via !== 'answer') {
    format.ok = false;
    format.reason = `the SVG is not inside <answer> (found via ${found.via})`;
  }
  const fail = (render: SvgCheckResult['gate']['render']): SvgCheckResult => {
    for (const t of Object.values(terms)) {
      t.value = t.weight > 0 ? 0 : null;
      t.reason = 'gate failed';
    }
    return { total: 0, gate: { passed: false, format, render }, terms };
  };
  if (!format.ok || !found.ok) return fail({ ok: false, reason: 'not rendered (no SVG)' });
  const svg = found.value;
  let image: RgbImage;
  let png: Uint8Array | undefined;
  let render: SvgCheckResult['gate']['render'];
  try {
    const r = await renderSvgDetailed(svg, { width: o.size, height: o.size, png: o.png === true, ...(o.pool ? { pool: o.pool } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    image = { width: r.width, height: r.height, data: r.data };
    png = r.png;
    render = { ok: true, removed: r.removed, elements: r.elements };
  } catch (e) {
    return { ...fail({ ok: false, code: isGlimpseError(e) ? e.code : 'render_error', reason: describeError(e) }), svgLength: svg.length };
  }

  if (w.length > 0) terms.length.value = Math.max(0, Math.min(1, 1 - svg.length / o.lengthMax));
  else terms.length.reason = 'weight 0';

  const tm = o.textModel;
  if (w.text <= 0) terms.text_image.reason = 'weight 0';
  else if (!o.description) terms.text_image.reason = 'no description';
  else if (typeof tm !== 'object') terms.text_image.reason = unavailable(tm);
  else {
    try {
      const [t] = await tm.embedTexts([o.description]);
      const [v] = await tm.embedImages([image]);
      const cos = cosine(t!, v!);
      terms.text_image.value = (1 + cos) / 2;
      terms.text_image.cos = cos;
    } catch (e) {
      terms.text_image.reason = `unavailable: ${describeError(e)}`;
    }
  }
  const im = o.imageModel;
  if (w.image <= 0) terms.image_image.reason = 'weight 0';
  else if (!o.reference) terms.image_image.reason = 'no reference image';
  else if (typeof im !== 'object') terms.image_image.reason = unavailable(im);
  else {
    try {
      const [a, b] = await im.embedImages([o.reference, image]);
      const cos = cosine(a!, b!);
      terms.image_image.value = (1 + cos) / 2;
      terms.image_image.cos = cos;
    } catch (e) {
      terms.image_image.reason = `unavailable: ${describeError(e)}`;
    }
  }
  let num = 0;
  let den = 0;
  for (const t of Object.values(terms)) {
    if (t.value !== null && t.weight > 0) {
      num += t.weight * t.value;
      den += t.weight;
    }
  }
  const total = den > 0 ? num / den : 1;
  return { total, gate: { passed: true, format, render }, terms, svgLength: svg.length, image, ...(png ? { png } : {}) };
}
