/**
 * The options of `glimpse eval` as a zod schema: every field described, defaults citing where they
 * come from. The CLI passes its flags (strings) through {@link parseEvalConfig}; errors name the
 * flag and what was expected.
 */
import { z } from 'zod';
import { GlimpseError } from '../util/errors.js';

const int = (min: number) => z.coerce.number().int(`expected an integer ≥ ${min}`).min(min, `expected an integer ≥ ${min}`);
const num = (lo: number, hi: number) => z.coerce.number().min(lo, `expected a number in [${lo}, ${hi}]`).max(hi, `expected a number in [${lo}, ${hi}]`).refine(Number.isFinite, 'expected a finite number');

export const EvalConfigSchema = z
  .object({
    limit: int(0).optional().describe('evaluate the first n items'),
    coords: z.enum(['pixel', 'norm1000', 'norm1']).default('pixel').describe('space of the model’s coordinates: pixels of the image as sent (Qwen2.5-VL), 0–1000 (Qwen2-VL, InternVL), 0–1'),
    maxPixels: int(0)
      .default(16384 * 28 * 28)
      .describe('smart-resize images to at most this many pixels before sending; 0 = send as stored (Qwen2.5-VL processor default max_pixels = 16384·28² = 12 845 056)'),
    minPixels: int(1).optional().describe('smart-resize lower bound (Qwen2-VL processor default min_pixels = 4·28² = 3136)'),
    frames: int(1).optional().describe('frames sampled uniformly per video; default: the video adapter’s 2 fps (Qwen2.5-VL)'),
    temperature: num(0, 10).default(0).describe('sampling temperature; 0 = greedy, as benchmark tables usually report'),
    topP: num(0, 1).optional().describe('nucleus sampling'),
    maxTokens: int(1).default(1024).describe('longest completion in tokens'),
    seed: int(0).optional().describe('sampling seed passed to the endpoint'),
    concurrency: int(1).default(8).describe('requests in flight'),
    timeout: num(0.001, 86_400).default(180).describe('per-attempt timeout in seconds (OpenRLHF’s remote client uses 180 s)'),
    retries: int(0).default(5).describe('retries on 429, 5xx, timeouts and connection errors (OpenRLHF: 5)'),
    batchSize: int(1).default(32).describe('items prepared and handed to the model at once'),
    examples: int(0).default(4).describe('rendered examples in report.md'),
    boxFormat: z.enum(['xywh', 'xyxy']).optional().describe('RefCOCO JSON boxes; default by key (bbox = COCO xywh, solution/box = xyxy)'),
  })
  .strict();
export type EvalConfig = z.infer<typeof EvalConfigSchema>;

const FLAGS: Record<string, string> = {
  limit: '--limit', coords: '--coords', maxPixels: '--max-pixels', minPixels: '--min-pixels', frames: '--frames', temperature: '--temperature',
  topP: '--top-p', maxTokens: '--max-tokens', seed: '--seed', concurrency: '--concurrency', timeout: '--timeout', retries: '--retries',
  batchSize: '--batch-size', examples: '--examples', boxFormat: '--box-format',
};

/** Parses CLI flag values; GlimpseError('bad_config') `--flag value: expected …` on the first bad one. */
export function parseEvalConfig(flags: Record<string, unknown>): EvalConfig {
  const input: Record<string, unknown> = {};
  for (const k of Object.keys(FLAGS)) if (flags[k] !== undefined) input[k] = flags[k];
  const r = EvalConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const message = issue.code === 'invalid_value' && 'values' in issue ? `expected ${(issue.values as unknown[]).join(', ')}` : issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
  throw new GlimpseError('bad_config', `${FLAGS[key] ?? key} ${String(flags[key])}: ${message}`);
}
