/**
 * `glimpse render svg <file> --out x.png [--size WxH] [--background C] [--extract] [--timeout ms] [--json]`
 *
 * Sanitises, checks and renders an SVG file (or, with `--extract`, the SVG inside a model's
 * completion: fenced ```svg block, <answer>, or bare) to a PNG at a fixed size, letterboxed on the
 * background. A file that fails the validity gate exits 1 with one line naming it and the cause
 * (parse_error, empty_render, zero_viewbox, too_large, timeout, ...).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { svgCoordinateMap } from '../../../modalities/svg/adapter.js';
import { extractSvg } from '../../../modalities/svg/extract.js';
import { svgLimits } from '../../../modalities/svg/limits.js';
import { renderSvgDetailed } from '../../../modalities/svg/render.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { GlimpseError } from '../../util/errors.js';
import { parseSize } from './image.js';

/** `--out`: a PNG path, or a folder (existing, or ending in `/`) that gets `<input name>.png`. */
export async function outPath(out: string, input: string, suffix = '.png'): Promise<string> {
  const isDir = out.endsWith('/') || out.endsWith('\\') || (await stat(out).then((s) => s.isDirectory(), () => false));
  return isDir ? join(out, `${basename(input, extname(input))}${suffix}`) : out;
}

/** Reads a text input file with a size limit; GlimpseError naming the file otherwise. */
export async function readTextInput(file: string, maxBytes: number): Promise<string> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new GlimpseError('bad_input', `${file}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof GlimpseError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'bad_input', `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? 'error'})`}`);
  }
  if (size > maxBytes) throw new GlimpseError('too_large', `${file}: ${size} bytes exceeds the limit of ${maxBytes} bytes`);
  return readFile(file, 'utf8');
}

/** A positive integer option; GlimpseError naming the flag otherwise. */
export function positiveInt(v: string | undefined, flag: string, max = 1e9): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new GlimpseError('bad_input', `${flag}: expected an integer in 1..${max}, got "${String(v).slice(0, 40)}"`);
  return n;
}

/** Adds `glimpse render svg` to the `render` command. */
export function register(render: Command): void {
  render
    .command('svg')
    .description('sanitise, check and render an SVG (or the SVG in a model completion) to a PNG')
    .argument('<file>', 'SVG file (with --extract: a text file holding a model completion)')
    .requiredOption('--out <file-or-dir>', 'PNG to write, or a folder for <name>.png')
    .option('--size <WxH>', 'render size in pixels', '448x448')
    .option('--background <colour>', 'background colour: #rrggbb, #rgb, rgb(r,g,b) or a basic name', 'white')
    .option('--extract', 'the file is a model completion: take the SVG from its <answer>, fenced block or text')
    .option('--timeout <ms>', 'abandon a render after this many milliseconds', '10000')
    .option('--json', 'print metadata (size, placement, coordinate map, what was removed) as JSON on stdout')
    .action(async (file: string, o: { out: string; size: string; background: string; extract?: boolean; timeout: string; json?: boolean }) => {
      const [width, height] = parseSize(o.size);
      const timeoutMs = positiveInt(o.timeout, '--timeout', 600_000)!;
      const limits = svgLimits();
      let svg = await readTextInput(file, o.extract ? 16 * limits.maxBytes : limits.maxBytes);
      if (o.extract) {
        const r = extractSvg(svg);
        if (!r.ok) throw new GlimpseError('parse_error', `${file}: ${r.reason}`);
        svg = r.value;
      }
      // the render processes are unreferenced when idle: the CLI exits without closing the pool
      const r = await renderSvgDetailed(svg, { width, height, background: o.background, timeoutMs, name: file, png: true });
      const out = await outPath(o.out, file);
      await writeFileAtomic(out, r.png!);
      if (o.json) {
        const doc = {
          file,
          out,
          size: [r.width, r.height],
          intrinsic: r.placement.intrinsic,
          scale: r.placement.scale,
          offset: r.placement.offset,
          coords: svgCoordinateMap(r.placement, [width, height], 'pixel').toJSON(),
          elements: r.elements,
          removed: r.removed,
        };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      }
    });
}
