/**
 * Limits applied to every SVG before it reaches the renderer. Model output is hostile by default
 * (RL policies find every crash), so each limit has a safe default; raise them per call for
 * trusted corpora.
 */
import { z } from 'zod';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';

export const SvgLimitsSchema = z.object({
  maxBytes: z.number().int().positive().default(1 << 20).describe('largest accepted SVG source, in UTF-8 bytes (after entity expansion); 1 MiB'),
  maxElements: z.number().int().positive().default(20_000).describe('most elements (start tags) in one document'),
  maxDepth: z.number().int().positive().default(64).describe('deepest element nesting'),
  maxRenderPixels: z.number().int().positive().default(4096 * 4096).describe('largest render, width × height in pixels'),
  maxRenderSide: z.number().int().positive().default(8192).describe('largest render width or height, in pixels'),
  maxMorphologyRadius: z
    .number()
    .positive()
    .default(16)
    .describe('largest feMorphology radius, in render pixels; larger radii are clamped to it (their cost grows with the radius squared; librsvg clamps at 10 px)'),
  filterRegionMargin: z
    .number()
    .min(0)
    .default(0.5)
    .describe(
      'how far a filter region in userSpaceOnUse may reach past the canvas, in canvas widths / heights; larger regions are clipped to it (resvg filters every pixel of the region, seen or not, and aborts on some huge ones)',
    ),
});
export type SvgLimits = z.infer<typeof SvgLimitsSchema>;
export type SvgLimitsInput = z.input<typeof SvgLimitsSchema>;

/** The default limits, completed from `partial`; GlimpseError('bad_config') for a bad value. */
export function svgLimits(partial: SvgLimitsInput = {}): SvgLimits {
  if (Object.keys(partial).length === 0) return { ...DEFAULTS };
  const r = SvgLimitsSchema.safeParse(partial);
  if (!r.success) throw new GlimpseError('bad_config', `svg limits: ${formatZodError(r.error)}`);
  return r.data;
}

const DEFAULTS: SvgLimits = SvgLimitsSchema.parse({});

/** Default render timeout of one SVG, in milliseconds (a render past it is abandoned). */
export const DEFAULT_SVG_TIMEOUT_MS = 10_000;
/** Default render size (the SVG-RL papers render at 224–512 px; 256 is the benchmark size). */
export const DEFAULT_SVG_SIZE = 256;
