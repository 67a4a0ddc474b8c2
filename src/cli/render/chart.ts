/**
 * `glimpse render chart <file> --out x.png [--size WxH] [--title T] [--max-points N] [--format csv|json] [--time-column C] [--json]`
 *
 * Draws a CSV/JSON time series as the deterministic line chart the timeseries adapter gives a
 * model (LTTB-downsampled, gaps kept), and writes it as a PNG. `--json` prints the layout (plot
 * area, axis domains and ticks, channel colours) that maps chart pixels to (time, value), and the
 * compact text form of the series.
 */
import type { Command } from 'commander';
import type { ChartLayout } from '../../../modalities/timeseries/chart.js';
import { timeseriesAdapter, type TimeseriesPrepareOptions } from '../../../modalities/timeseries/adapter.js';
import { encodeRgbPng } from '../../../modalities/svg/png.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { GlimpseError } from '../../util/errors.js';
import { parseSize } from './image.js';
import { outPath, positiveInt } from './svg.js';

/** Adds `glimpse render chart` to the `render` command. */
export function register(render: Command): void {
  render
    .command('chart')
    .description('draw a time series (CSV or JSON, one or many channels) as a line chart PNG')
    .argument('<file>', 'CSV or JSON time series')
    .requiredOption('--out <file-or-dir>', 'PNG to write, or a folder for <name>.png')
    .option('--size <WxH>', 'chart size in pixels', '448x448')
    .option('--title <text>', 'chart title')
    .option('--max-points <n>', 'points per channel after LTTB downsampling (default 2 × plot width)')
    .option('--format <format>', 'auto | csv | json', 'auto')
    .option('--time-column <name>', 'CSV column with the timestamps')
    .option('--json', 'print metadata (layout, coordinate map, channels, text form) as JSON on stdout')
    .action(async (file: string, o: { out: string; size: string; title?: string; maxPoints?: string; format: string; timeColumn?: string; json?: boolean }) => {
      if (!['auto', 'csv', 'json'].includes(o.format)) throw new GlimpseError('bad_input', `--format: expected auto, csv or json, got "${o.format}"`);
      const opts: TimeseriesPrepareOptions = { size: parseSize(o.size), format: o.format as 'auto' | 'csv' | 'json', text: 'series' };
      if (o.title !== undefined) opts.title = o.title;
      const mp = positiveInt(o.maxPoints, '--max-points', 10_000_000);
      if (mp !== undefined) opts.maxPoints = Math.max(3, mp);
      if (o.timeColumn !== undefined) opts.timeColumn = o.timeColumn;
      const p = await timeseriesAdapter.prepare({ kind: 'timeseries', path: file }, opts);
      const img = p.images[0]!;
      const out = await outPath(o.out, file);
      await writeFileAtomic(out, encodeRgbPng(img.width, img.height, img.data));
      if (o.json) {
        const layout = p.meta.layout as ChartLayout;
        const doc = { file, out, size: [img.width, img.height], coords: p.coords.toJSON(), length: p.meta.length, channels: p.meta.channels, timeKind: p.meta.timeKind, layout, text: p.text };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      }
    });
}
