/**
 * `faithfulness.regions`: is the visual evidence cited in the reasoning faithful? For reasoning
 * that cites image regions GRIT-style (boxes interleaved with text in `<think>`), with C the cited
 * boxes (original pixels, via the coordinate map), p_i the phrase each box is attached to and G
 * the ground-truth region(s) (`answer.bbox` / `answer.boxes`):
 *
 *   reliability  R = (1/|C|) · Σ_i 1[cos(E_img(crop(c_i)), E_txt(prefix + p_i)) ≥ τ]
 *   coverage     V = |G ∩ ∪C| / |G|                         (share of the evidence cited)
 *   minimality   M = min(1, κ·|G| / |∪C|)                   (penalty for citing far more area than needed)
 *   score        = Σ_k w_k·term_k / Σ_k w_k over the terms that apply
 *
 * |·| is area (exact union areas, area.ts). R applies when the sample has an image and a
 * text–image model is configured (else it is reported "unavailable", not 0); V and M apply when
 * the sample has a ground-truth region. No term applies → null. No cited box → 0.
 * Reliability and sufficiency follow "On the Faithfulness of Visual Thinking: Measurement and
 * Enhancement" (Liu et al., 2025), which measures them with an LVLM judge and trains "sufficient
 * yet minimal" visual components (SCCM); here they are measured with CLIP crops and box areas.
 */
import { z } from 'zod';
import type { BBox, Sample } from '../../data/schema.js';
import type { RgbImage } from '../../modalities/types.js';
import { coordsParam, gtBoxList, resolveCoords, toOriginalBox } from '../geometry/common.js';
import { parseBoxes } from '../parse/boxes.js';
import { extractTag } from '../parse/tags.js';
import { registerReward } from '../registry.js';
import { guarded, inputImageSource, loadSource, modelParam } from '../semantic/common.js';
import { cosine } from '../semantic/embedder.js';
import { resolveEmbedder } from '../semantic/services.js';
import type { RewardContext, RewardInput, RewardResult } from '../types.js';
import { cleanBox, unionAreas } from './area.js';

/** At most this many cited boxes are judged (the first ones in the text). */
export const MAX_CITED = 32;

export const RegionsParams = z
  .object({
    threshold: z.number().min(-1).max(1).default(0.25).describe('τ: a crop supports its phrase when cos ≥ τ (CLIP ViT-B/32 matching pairs lie around 0.25–0.35)'),
    kappa: z.number().min(1).max(100).default(2).describe('κ: cited area up to κ·|G| is not penalised by minimality'),
    w_reliability: z.number().min(0).max(100).default(1).describe('weight of reliability R'),
    w_coverage: z.number().min(0).max(100).default(1).describe('weight of coverage V'),
    w_minimality: z.number().min(0).max(100).default(1).describe('weight of minimality M'),
    max_phrase_words: z.number().int().min(1).max(64).default(8).describe('words before a box (within its clause) taken as its phrase'),
    prefix: z.string().max(200).default('A photo of ').describe('prefix of each phrase before embedding'),
    coords: coordsParam,
    model: modelParam,
  })
  .strict();
export type RegionsParams = z.infer<typeof RegionsParams>;

export interface CitedRegion {
  bbox: BBox;
  phrase: string;
}

/**
 * The boxes cited in the first `<think>` (else the whole completion, when there is no `<think>`)
 * with the phrase each is attached to: its JSON `label` if any, else the last `maxWords` words
 * before it, back to the previous box or clause boundary (. ! ? ; newline).
 */
export function citedRegions(completion: unknown, maxWords = 8): Array<{ bbox: [number, number, number, number]; phrase: string }> {
  if (typeof completion !== 'string') return [];
  const t = extractTag(completion, 'think', { occurrence: 'first' });
  const text = t.ok ? t.value : completion;
  const boxes = parseBoxes(text);
  if (!boxes.ok) return [];
  const out: Array<{ bbox: [number, number, number, number]; phrase: string }> = [];
  let prevEnd = 0;
  for (const b of boxes.value.slice(0, MAX_CITED)) {
    let phrase = b.label ?? '';
    if (!phrase) {
      const before = text.slice(Math.max(prevEnd, b.start - 400), b.start);
      const clause = before.split(/[.!?;\n]/).pop() ?? '';
      const words = clause.replace(/[^\p{L}\p{N}\s'-]+/gu, ' ').trim().split(/\s+/).filter(Boolean);
      phrase = words.slice(-maxWords).join(' ');
    }
    out.push({ bbox: b.bbox, phrase: phrase.slice(0, 300) });
    prevEnd = b.end;
  }
  return out;
}

function gtRegions(sample: Sample | undefined): BBox[] {
  return (gtBoxList(sample) ?? [])
    .map((b) => cleanBox(b.bbox))
    .filter((b): b is BBox => b !== undefined)
    .slice(0, MAX_CITED);
}

async function reliability(cited: CitedRegion[], image: RgbImage, p: RegionsParams, embedder: import('../semantic/embedder.js').Embedder): Promise<{ value: number; supported: boolean[]; cos: Array<number | null> }> {
  const { cropRegion } = await import('../../modalities/image/crop.js'); // sharp, loaded on use
  const crops: Array<RgbImage | undefined> = [];
  for (const c of cited) {
    const b = cleanBox(c.bbox);
    const inside = b && b[0] < image.width && b[1] < image.height && b[2] > 0 && b[3] > 0;
    if (!inside || !c.phrase) {
      crops.push(undefined);
      continue;
    }
    try {
      const r = await cropRegion(image, [Math.floor(b[0]), Math.floor(b[1]), Math.ceil(b[2]), Math.ceil(b[3])]);
      crops.push(r.image.width > 0 && r.image.height > 0 ? r.image : undefined);
    } catch {
      crops.push(undefined);
    }
  }
  const idx = crops.flatMap((c, i) => (c ? [i] : []));
  const imgs = await embedder.embedImages(idx.map((i) => crops[i]!));
  const txts = await embedder.embedTexts(idx.map((i) => p.prefix + cited[i]!.phrase));
  const cos: Array<number | null> = cited.map(() => null);
  idx.forEach((i, k) => (cos[i] = cosine(imgs[k]!, txts[k]!)));
  const supported = cos.map((c) => c !== null && c >= p.threshold);
  return { value: supported.filter(Boolean).length / cited.length, supported, cos };
}

async function score(input: RewardInput, p: RegionsParams, ctx?: RewardContext): Promise<RewardResult> {
  const sample = input?.sample;
  const gt = gtRegions(sample);
  const src = p.w_reliability > 0 ? inputImageSource(sample) : undefined;
  const model = src ? await resolveEmbedder('text_image', p.model, ctx) : undefined;
  const img = src && model?.ok ? await loadSource(src) : undefined;
  const canR = p.w_reliability > 0 && model?.ok === true && img?.ok === true;
  const canG = gt.length > 0 && (p.w_coverage > 0 || p.w_minimality > 0);
  const unavailable = !src ? 'no image in the sample' : model && !model.ok ? model.reason : img && !img.ok ? img.reason : p.w_reliability > 0 ? undefined : 'weight 0';
  if (!canR && !canG) return { score: null, reason: `no term applies: reliability ${unavailable ?? 'n/a'}; coverage/minimality need answer.bbox or answer.boxes` };

  const coords = resolveCoords(input, p.coords);
  if ('error' in coords) return { score: 0, reason: coords.error };
  const cited: CitedRegion[] = citedRegions(input.completion, p.max_phrase_words).map((c) => ({ bbox: toOriginalBox(coords.map, c.bbox), phrase: c.phrase }));
  if (cited.length === 0) return { score: 0, reason: 'no cited regions in <think>', details: { cited: 0 } };

  const terms: Record<string, number | null> = { reliability: null, coverage: null, minimality: null };
  const details: Record<string, unknown> = { cited: cited.length, phrases: cited.map((c) => c.phrase) };
  if (canR && model?.ok && img?.ok) {
    const r = await reliability(cited, img.image, p, model.embedder);
    terms.reliability = r.value;
    details.cos = r.cos;
    details.supported = r.supported;
  } else details.reliability = unavailable ?? 'unavailable';
  if (canG) {
    const boxes = cited.map((c) => cleanBox(c.bbox)).filter((b): b is BBox => b !== undefined);
    const u = unionAreas(gt, boxes);
    if (p.w_coverage > 0) terms.coverage = u.a > 0 ? u.both / u.a : 0;
    if (p.w_minimality > 0) terms.minimality = u.b > 0 ? Math.min(1, (p.kappa * u.a) / u.b) : 0;
    details.area = { gt: u.a, cited: u.b, overlap: u.both };
  }
  const w: Record<string, number> = { reliability: p.w_reliability, coverage: p.w_coverage, minimality: p.w_minimality };
  let num = 0;
  let den = 0;
  for (const [k, v] of Object.entries(terms)) {
    if (v === null || !Number.isFinite(v)) continue;
    num += w[k]! * v;
    den += w[k]!;
  }
  return { score: den > 0 ? Math.max(0, Math.min(1, num / den)) : 0, details: { ...details, terms } };
}

registerReward({
  name: 'faithfulness.regions',
  description: 'faithfulness of regions cited in <think> (GRIT style): reliability (crop matches its phrase, CLIP), coverage of the ground-truth region, minimality of the cited area',
  paper: 'Liu et al., On the Faithfulness of Visual Thinking: Measurement and Enhancement (2025) — reliability and sufficiency, sufficient yet minimal (SCCM); GRIT (Fan et al., 2025) grounded reasoning format',
  range: [0, 1],
  params: RegionsParams,
  async: true,
  score: (input, p, ctx) => guarded('faithfulness.regions', () => score(input, p, ctx)),
  examples: [
    {
      completion: '<think>The cat [0, 0, 100, 100] sits on the mat.</think><answer>cat</answer>',
      answer: { bbox: [0, 0, 100, 100] },
      score: 1,
      note: 'exactly the ground-truth region: V = 1, M = 1 (no model: R unavailable)',
    },
    {
      completion: '<think>Look at the whole image [0, 0, 400, 100].</think><answer>cat</answer>',
      answer: { bbox: [0, 0, 100, 100] },
      score: 0.75,
      note: 'V = 1, M = min(1, 2·10000/40000) = 0.5 → 0.75',
    },
    { completion: '<think>no boxes</think>', answer: { bbox: [0, 0, 10, 10] }, score: 0, note: 'nothing cited' },
    { completion: '<think>The cat [0, 0, 10, 10]</think>', answer: {}, score: null, note: 'no ground truth, no image: null' },
  ],
});
