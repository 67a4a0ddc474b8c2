/** The time-series modality: CSV/JSON parsing, LTTB, deterministic SVG line charts, text form, adapter. */
export { parseSeries, parseSeriesCsv, seriesFromJson, makeSeries, toNumber, SeriesLimitsSchema, type Series, type Channel, type SeriesLimits } from './series.js';
export { lttbIndices } from './lttb.js';
export { niceTicks, timeTicks, formatNumber, formatTime, type Tick } from './ticks.js';
export { buildChartSvg, chartPixelToData, dataToChartPixel, PALETTE, type ChartOptions, type ChartLayout } from './chart.js';
export { serializeSeries, type SerializeOptions } from './text.js';
export { timeseriesAdapter, TimeseriesPrepareOptionsSchema, type TimeseriesPrepareOptions } from './adapter.js';
