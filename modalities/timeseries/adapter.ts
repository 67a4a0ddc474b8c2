/**
 * The time-series adapter: CSV/JSON -> Series -> deterministic SVG line chart (chart.ts) ->
 * pixels through the SVG renderer (modalities/svg). The prompt text is the image placeholder,
 * the compact serialisation (text.ts), or both (`text` option). The CoordinateMap is over chart
 * pixels; `meta.layout` holds the plot area and axis domains that turn a chart pixel into
 * (time, value) — see `chartPixelToData`.
 *
 * @example
 *   const p = await timeseriesAdapter.prepare({ kind: 'timeseries', path: 'sensor.csv' }, { text: 'both' });
 *   p.images[0];  // 448×448 chart
 *   p.text;       // '<image>\nseries: 2 channels, 86400 points, ...'
 */
import { z } from 'zod';
import type { Media } from '../../data/schema.js';
import { formatZodError } from '../../data/schema.js';
import { GlimpseError } from '../../src/util/errors.js';
import { CoordSpaceSchema, createCoordinateMap } from '../coords.js';
import { DEFAULT_SVG_TIMEOUT_MS } from '../svg/limits.js';
import { renderSvgDetailed } from '../svg/render.js';
import { readMediaBytes } from '../svg/source.js';
import type { ModalityAdapter, PreparedMedia } from '../types.js';
import { buildChartSvg } from './chart.js';
import { parseSeries, SeriesLimitsSchema } from './series.js';
import { serializeSeries } from './text.js';

export const TimeseriesPrepareOptionsSchema = z
  .object({
    size: z.tuple([z.number().int().min(64).max(4096), z.number().int().min(64).max(4096)]).default([448, 448]).describe('[width, height] of the chart in pixels'),
    title: z.string().max(200).optional().describe('chart title'),
    maxPoints: z.number().int().min(3).optional().describe('points per channel after LTTB downsampling (default 2 × plot width)'),
    format: z.enum(['auto', 'csv', 'json']).default('auto').describe('input format; auto: JSON when the text starts with [ or {'),
    timeColumn: z.string().optional().describe('CSV column holding the timestamps (default: time/timestamp/date/datetime/t/ts)'),
    space: CoordSpaceSchema.default('pixel').describe('the space the model answers in over the chart'),
    text: z.enum(['image', 'series', 'both']).default('image').describe('prompt text: the image placeholder, the serialised series (text-only prompts), or both'),
    textMaxPoints: z.number().int().min(2).max(100_000).default(64).describe('rows listed in the serialised series'),
    placeholder: z.string().max(1000).default('<image>').describe('text spliced into the prompt for the chart'),
    timeoutMs: z.number().int().positive().default(DEFAULT_SVG_TIMEOUT_MS).describe('time allowed to render the chart, in ms'),
    baseDir: z.string().optional().describe('folder that relative media paths are resolved against'),
    limits: SeriesLimitsSchema.partial().optional(),
  })
  .strict();
export type TimeseriesPrepareOptions = z.input<typeof TimeseriesPrepareOptionsSchema>;

async function prepareTimeseries(media: Media, options?: TimeseriesPrepareOptions): Promise<PreparedMedia> {
  const r0 = TimeseriesPrepareOptionsSchema.safeParse(options ?? {});
  if (!r0.success) throw new GlimpseError('bad_config', `timeseries options: ${formatZodError(r0.error)}`);
  const o = r0.data;
  const limits = SeriesLimitsSchema.parse(o.limits ?? {});
  const src = await readMediaBytes(media, { kind: 'timeseries', baseDir: o.baseDir, maxBytes: limits.maxBytes, inline: 'text' });
  const text = new TextDecoder('utf-8').decode(src.bytes);
  const format = o.format === 'auto' && src.isPath ? (/\.json$/i.test(src.name) ? 'json' : /\.(csv|tsv|txt)$/i.test(src.name) ? 'csv' : 'auto') : o.format;
  const series = parseSeries(text, { name: src.name, format, limits, ...(o.timeColumn !== undefined ? { timeColumn: o.timeColumn } : {}) });
  const [W, H] = o.size;
  const { svg, layout } = buildChartSvg(series, { width: W, height: H, ...(o.title !== undefined ? { title: o.title } : {}), ...(o.maxPoints !== undefined ? { maxPoints: o.maxPoints } : {}) });
  const r = await renderSvgDetailed(svg, { width: W, height: H, timeoutMs: o.timeoutMs, name: `${src.name} (chart)`, limits: { maxBytes: 64 * 2 ** 20, maxElements: 100_000 } });
  const coords = createCoordinateMap({ original: [W, H], input: [W, H], space: o.space });
  const serialized = serializeSeries(series, { maxPoints: o.textMaxPoints });
  const promptText = o.text === 'image' ? o.placeholder : o.text === 'series' ? serialized : `${o.placeholder}\n${serialized}`;
  return {
    kind: 'timeseries',
    images: [{ width: r.width, height: r.height, data: r.data }],
    text: promptText,
    coords,
    meta: {
      source: src.isPath ? src.name : '<inline>',
      length: series.length,
      channels: series.channels.map((c) => c.name),
      timeKind: series.timeKind,
      layout,
      coords: coords.toJSON(),
    },
  };
}

/** The time-series ModalityAdapter (registered as `timeseries`). */
export const timeseriesAdapter: ModalityAdapter<TimeseriesPrepareOptions> = { kind: 'timeseries', prepare: prepareTimeseries };
