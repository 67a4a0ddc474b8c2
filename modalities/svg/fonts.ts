/**
 * Fonts for SVG text. resvg draws no text without fonts, and scanning every system font on each
 * render costs ~5 ms, so glimpse loads a few known files instead (~0.4 ms): `GLIMPSE_FONT_FILES`
 * (paths separated by the platform's path delimiter) when set, else the first DejaVu / Liberation
 * / Arial found in the usual places, else (no known file) the system fonts.
 */
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';

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

let cached: NonNullable<ResvgRenderOptions['font']> | undefined;

/** The resvg font options glimpse renders with (resolved once per thread). */
export function fontOptions(): NonNullable<ResvgRenderOptions['font']> {
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
