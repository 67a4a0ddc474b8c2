/**
 * `glimpse reward svg`: runs the SVG reward check (rewards/svg/pipeline.ts) on SVG files or a
 * JSONL batch and prints the gate result, each term and the total; saves the render (and a
 * side-by-side with the reference) as PNG.
 *
 *   glimpse reward svg --prompt "a red bicycle" [--reference ref.png] drawing.svg [more.svg …]
 *   glimpse reward svg --jsonl batch.jsonl [--out results.jsonl] [--save-dir renders/]
 *
 * Batch lines: {"id"?, "completion" | "svg", "prompt"?, "reference"?} (reference: an image path,
 * relative to the JSONL file). Models: --model / GLIMPSE_CLIP_MODEL (text–image),
 * --image-model / GLIMPSE_DINO_MODEL (image–image; else the text–image model's image tower).
 * Without models the gate and render still run and the similarity terms print as unavailable.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { RgbImage } from '../../../modalities/types.js';
import type { SvgCheckResult, SvgTerm } from '../../../rewards/svg/pipeline.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { GlimpseError, describeError } from '../../util/errors.js';

export interface SvgCliOptions {
  prompt?: string;
  reference?: string;
  model?: string;
  imageModel?: string;
  variant?: string;
  size?: string;
  requireAnswer?: boolean;
  jsonl?: string;
  out?: string;
  saveDir?: string;
  noSave?: boolean;
  json?: boolean;
}

interface Item {
  id: string;
  completion: string;
  prompt?: string;
  reference?: string;
  /** Where the PNGs go: `<base>.render.png`, `<base>.side.png`. */
  base?: string;
}

const MAX_INPUT_BYTES = 16 << 20;

async function readText(path: string, what: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new GlimpseError('not_found', `${what} ${path}: ${describeError(e)}`);
  }
  if (buf.byteLength > MAX_INPUT_BYTES) throw new GlimpseError('too_large', `${what} ${path}: ${buf.byteLength} bytes exceeds ${MAX_INPUT_BYTES}`);
  return buf.toString('utf8');
}

async function readItems(files: string[], o: SvgCliOptions): Promise<Item[]> {
  if (o.jsonl) {
    const text = await readText(o.jsonl, '--jsonl');
    const dir = dirname(resolve(o.jsonl));
    const items: Item[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new GlimpseError('corrupt', `${o.jsonl}:${i + 1}: not JSON (${describeError(e)})`);
      }
      const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
      const completion = typeof r.completion === 'string' ? r.completion : typeof r.svg === 'string' ? r.svg : undefined;
      if (completion === undefined) throw new GlimpseError('corrupt', `${o.jsonl}:${i + 1}: needs a "completion" or "svg" string`);
      const id = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : `line${i + 1}`;
      const ref = typeof r.reference === 'string' ? resolve(dir, r.reference) : o.reference;
      items.push({
        id,
        completion,
        ...(typeof r.prompt === 'string' ? { prompt: r.prompt } : o.prompt ? { prompt: o.prompt } : {}),
        ...(ref ? { reference: ref } : {}),
        ...(o.saveDir ? { base: join(o.saveDir, id.replace(/[^\w.-]+/g, '_')) } : {}),
      });
    });
    return items;
  }
  if (files.length === 0) throw new GlimpseError('bad_config', 'glimpse reward svg: give SVG files (or --jsonl batch.jsonl)');
  const items: Item[] = [];
  for (const f of files) {
    const completion = await readText(f, 'svg');
    const base = o.saveDir ? join(o.saveDir, basename(f, extname(f))) : join(dirname(f), basename(f, extname(f)));
    items.push({ id: f, completion, ...(o.prompt ? { prompt: o.prompt } : {}), ...(o.reference ? { reference: o.reference } : {}), base });
  }
  return items;
}

/** The render and the reference side by side (reference left, render right, same height). */
async function sideBySide(ref: RgbImage, render: RgbImage): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp');
  const { encodePng } = await import('../../../modalities/image/encode.js');
  const h = render.height;
  const refPng = await sharp(Buffer.from(ref.data), { raw: { width: ref.width, height: ref.height, channels: 3 } }).resize({ height: h, width: render.width, fit: 'contain', background: '#ffffff' }).png().toBuffer();
  const renderPng = await encodePng(render);
  const gap = 8;
  const out = await sharp({ create: { width: render.width * 2 + gap, height: h, channels: 3, background: '#808080' } })
    .composite([
      { input: refPng, left: 0, top: 0 },
      { input: Buffer.from(renderPng), left: render.width + gap, top: 0 },
    ])
    .png()
    .toBuffer();
  return new Uint8Array(out);
}

function fmtTerm(name: string, t: SvgTerm): string {
  if (t.value === null) return `  ${name}: ${t.reason ?? 'n/a'}`;
  return `  ${name}: ${t.value.toFixed(4)}${t.cos !== undefined ? ` (cos ${t.cos.toFixed(4)})` : ''}  weight ${t.weight}${t.reason ? `  (${t.reason})` : ''}`;
}

function report(item: Item, r: SvgCheckResult, saved: string[]): string {
  const g = r.gate;
  const lines = [item.id];
  const fmt = g.format.ok ? `ok (via ${g.format.via})` : `FAILED: ${g.format.reason}`;
  const rend = g.render.ok ? `ok (${g.render.elements} elements${g.render.removed && g.render.removed.length ? `; sanitiser removed ${g.render.removed.join(', ')}` : ''})` : `FAILED${g.render.code ? ` [${g.render.code}]` : ''}: ${g.render.reason}`;
  lines.push(`  gate: ${g.passed ? 'passed' : 'FAILED'}  format: ${fmt}  render: ${rend}`);
  lines.push(fmtTerm('text_image', r.terms.text_image), fmtTerm('image_image', r.terms.image_image), fmtTerm('length', r.terms.length));
  lines.push(`  total: ${r.total.toFixed(4)}`);
  if (saved.length) lines.push(`  saved: ${saved.join(', ')}`);
  return lines.join('\n');
}

/** Runs the command; `write` receives the output (stdout by default). Returns the results. */
export async function runSvgReward(files: string[], o: SvgCliOptions, write: (s: string) => void = (s) => process.stdout.write(s)): Promise<Array<{ id: string; result: SvgCheckResult }>> {
  // loaded on use, so that `glimpse` starts without sharp, the renderer or transformers.js
  const [{ encodePng }, { loadImage }, { closeDefaultSvgPool }, { resolveEmbedder }, { checkSvgCompletion }, { RenderCheckParams, svgWeights }] = await Promise.all([
    import('../../../modalities/image/encode.js'),
    import('../../../modalities/image/load.js'),
    import('../../../modalities/svg/pool.js'),
    import('../../../rewards/semantic/services.js'),
    import('../../../rewards/svg/pipeline.js'),
    import('../../../rewards/svg/render_check.js'),
  ]);
  const parsed = RenderCheckParams.safeParse({
    ...(o.variant ? { variant: o.variant } : {}),
    ...(o.size ? { size: Number(o.size) } : {}),
    ...(o.requireAnswer ? { require_answer: true } : {}),
  });
  if (!parsed.success) throw new GlimpseError('bad_config', `glimpse reward svg: ${parsed.error.issues.map((i) => `--${String(i.path[0]).replace('_', '-')}: ${i.message}`).join('; ')}`);
  const p = parsed.data;
  const items = await readItems(files, o);
  const [tm, im] = await Promise.all([resolveEmbedder('text_image', o.model ?? '', undefined), resolveEmbedder('image_image', o.imageModel ?? o.model ?? '', undefined)]);
  // a folder the user named must load: say why it does not (unset models only make terms unavailable)
  if (o.model && !tm.ok) throw new GlimpseError('not_found', `--model: ${tm.reason.replace(/^unavailable: /, '')}`, 'a CLIP/SigLIP export such as Xenova/clip-vit-base-patch32, downloaded on a machine with internet');
  if (o.imageModel && !im.ok) throw new GlimpseError('not_found', `--image-model: ${im.reason.replace(/^unavailable: /, '')}`, 'a DINOv2 export such as Xenova/dinov2-small, downloaded on a machine with internet');
  const refs = new Map<string, RgbImage>();
  const results: Array<{ id: string; result: SvgCheckResult }> = [];
  const lines: string[] = [];
  try {
    for (const item of items) {
      let reference: RgbImage | undefined;
      if (item.reference) {
        reference = refs.get(item.reference) ?? (await loadImage(item.reference, { name: `--reference ${item.reference}` }));
        refs.set(item.reference, reference);
      }
      const r = await checkSvgCompletion(item.completion, {
        ...(item.prompt ? { description: item.prompt } : {}),
        ...(reference ? { reference } : {}),
        textModel: tm.ok ? tm.embedder : tm.reason,
        imageModel: im.ok ? im.embedder : im.reason,
        weights: svgWeights(p),
        lengthMax: p.length_max,
        size: p.size,
        requireAnswer: p.require_answer,
      });
      const saved: string[] = [];
      if (item.base && r.image && !o.noSave) {
        const renderPath = `${item.base}.render.png`;
        await writeFileAtomic(renderPath, await encodePng(r.image));
        saved.push(renderPath);
        if (reference) {
          const sidePath = `${item.base}.side.png`;
          await writeFileAtomic(sidePath, await sideBySide(reference, r.image));
          saved.push(sidePath);
        }
      }
      results.push({ id: item.id, result: r });
      const { image: _i, png: _p, ...json } = r;
      if (o.json || o.jsonl) lines.push(JSON.stringify({ id: item.id, ...json, saved }));
      else lines.push(report(item, r, saved));
    }
  } finally {
    await closeDefaultSvgPool();
  }
  const text = lines.join('\n') + '\n';
  if (o.out) await writeFileAtomic(o.out, text);
  else write(text);
  return results;
}

export function register(reward: Command): void {
  reward
    .command('svg')
    .description('SVG reward check: gate (format, sanitiser, render), text–image, image–image and length terms, total; saves the render PNG')
    .argument('[files...]', 'SVG files (or model completions holding an <svg>)')
    .option('--prompt <text>', 'what the drawing should show (text–image term)')
    .option('--reference <image>', 'reference image (image–image term; also saves a side-by-side PNG)')
    .option('--model <dir>', 'text–image model folder (CLIP/SigLIP; default GLIMPSE_CLIP_MODEL)')
    .option('--image-model <dir>', 'image–image model folder (DINOv2; default GLIMPSE_DINO_MODEL, else the text–image model)')
    .option('--variant <name>', 'sgp (published defaults) or sgp_length (adds the length term)', 'sgp')
    .option('--size <px>', 'render size in pixels', '256')
    .option('--require-answer', 'format gate: the SVG must be inside <answer>')
    .option('--jsonl <file>', 'batch: JSONL of {"id"?, "completion"|"svg", "prompt"?, "reference"?}; prints JSON lines')
    .option('--out <file>', 'write the results here (atomically) instead of stdout')
    .option('--save-dir <dir>', 'folder for the PNGs (default: next to each SVG; batch: none)')
    .option('--no-save', 'do not write PNGs')
    .option('--json', 'print JSON lines instead of the readable report')
    .action(async (files: string[], opts: SvgCliOptions & { save?: boolean }) => {
      await runSvgReward(files, { ...opts, noSave: opts.save === false });
    });
}
