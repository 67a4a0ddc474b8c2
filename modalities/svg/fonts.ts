/**
 * Fonts for SVG text. resvg draws no text without fonts, and scanning every system font on each
 * render costs ~5 ms, so glimpse loads a few known files instead (~0.4 ms): `GLIMPSE_FONT_FILES`
 * (paths separated by the platform's path delimiter) when set, else the first DejaVu / Liberation
 * / Arial found in the usual places, else (no known file) the system fonts.
 *
 * For an SVG whose every character is in the common ranges (ASCII, Latin-1, Greek, punctuation,
 * symbols; font-subset.ts) a found font goes to resvg as a glyph subset of it holding those
 * characters, a third of the size: resvg-js re-reads a font file for every glyph it draws, so
 * text renders ~1.5–2× faster, with the same pixels. The subset is written once to
 * `<tmpdir>/glimpse-fonts-<uid>/` (a folder only this user can write), named by a hash of the font's path, size and date; when it cannot be
 * made or written, or the SVG has other characters, the full font is used.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { DEFAULT_SUBSET_RANGES, subsetTrueType, withinRanges } from './font-subset.js';

/** Bump when the subset's content changes, so older cached files are not used. */
const SUBSET_VERSION = 3;

const CANDIDATES: Array<{ family: string; files: string[] }> = [
  {
    family: 'DejaVu Sans',
    files: [
      '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
      '/usr/share/fonts/TTF/DejaVuSans.ttf',
      '/usr/share/fonts/dejavu/DejaVuSans.ttf',
      '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
      '/usr/local/share/fonts/DejaVuSans.ttf',
    ],
  },
  { family: 'Liberation Sans', files: ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/liberation/LiberationSans-Regular.ttf'] },
  { family: 'Arial', files: ['/Library/Fonts/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial.ttf', 'C:\\Windows\\Fonts\\arial.ttf'] },
];

type FontOptions = NonNullable<ResvgRenderOptions['font']>;
let cached: FontOptions | undefined;
/** The found font's options with its subset instead (null: no subset). */
let subsetCached: FontOptions | null | undefined;

/** Path of the cached glyph subset of `file` (made now if missing); undefined when it cannot be made. */
export function fontSubsetFile(file: string): string | undefined {
  try {
    const st = statSync(file);
    const key = createHash('sha256').update(`${SUBSET_VERSION}\0${JSON.stringify(DEFAULT_SUBSET_RANGES)}\0${file}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 16);
    // a folder of this user's only, so no one else can put a font there for us to load
    const uid = process.getuid?.();
    const dir = join(tmpdir(), `glimpse-fonts-${uid ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ds = lstatSync(dir);
    if (!ds.isDirectory() || (uid !== undefined && (ds.uid !== uid || (ds.mode & 0o022) !== 0))) return undefined;
    const out = join(dir, `${basename(file).replace(/\.[^.]*$/, '')}-subset-${key}.ttf`);
    if (existsSync(out)) return out;
    const sub = subsetTrueType(readFileSync(file));
    if (!sub) return undefined;
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, sub);
    renameSync(tmp, out);
    return out;
  } catch {
    return undefined;
  }
}

/**
 * The resvg font options glimpse renders `svg` with (resolved once per thread): the subset of the
 * found font when every character of `svg` is in it, else the found font (see module comment).
 */
export function fontOptions(svg?: string): FontOptions {
  const base = baseFontOptions();
  if (svg === undefined || subsetCached === null) return base;
  if (subsetCached === undefined) {
    const file = base.fontFiles?.[0];
    const sub = !base.loadSystemFonts && base.defaultFontFamily && file ? fontSubsetFile(file) : undefined;
    subsetCached = sub ? { ...base, fontFiles: [sub] } : null;
    if (!subsetCached) return base;
  }
  return withinRanges(svg) ? subsetCached : base;
}

function baseFontOptions(): FontOptions {
  if (cached) return cached;
  const env = process.env.GLIMPSE_FONT_FILES;
  if (env) {
    const files = env.split(delimiter).filter((f) => f && existsSync(f));
    if (files.length) return (cached = { loadSystemFonts: false, fontFiles: files });
  }
  for (const c of CANDIDATES) {
    const file = c.files.find((f) => existsSync(f));
    if (file) {
      const f = c.family;
      return (cached = { loadSystemFonts: false, fontFiles: [file], defaultFontFamily: f, sansSerifFamily: f, serifFamily: f, monospaceFamily: f, cursiveFamily: f, fantasyFamily: f });
    }
  }
  return (cached = { loadSystemFonts: true });
}

/** True when a known font file was found (text in charts will render). */
export function hasKnownFont(): boolean {
  const f = fontOptions();
  return !f.loadSystemFonts && (f.fontFiles?.length ?? 0) > 0;
}
