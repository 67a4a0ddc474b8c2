import { describe, expect, it } from 'vitest';
import { buildChartSvg, chartPixelToData, dataToChartPixel, PALETTE } from '../../../modalities/timeseries/chart.js';
import { makeSeries } from '../../../modalities/timeseries/series.js';
import { niceTicks, timeTicks, formatNumber } from '../../../modalities/timeseries/ticks.js';
import { serializeSeries } from '../../../modalities/timeseries/text.js';
import { rasterizeSvg } from '../../../modalities/svg/raster.js';
import { sanitizeSvg } from '../../../modalities/svg/sanitize.js';

/** Counts dark pixels (label ink) in a rectangle of an RGB render. */
function ink(img: { width: number; data: Uint8Array }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[(y * img.width + x) * 3]! < 150) n++;
  return n;
}

describe('ticks', () => {
  it('picks 1-2-5 steps covering the range', () => {
    expect(niceTicks(0, 97).ticks.map((t) => t.label)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(niceTicks(-0.003, 0.0172).ticks.map((t) => t.label)).toEqual(['-0.01', '0', '0.01', '0.02']);
    expect(niceTicks(1e8, 5e8).ticks.map((t) => t.label)).toEqual(['1e8', '2e8', '3e8', '4e8', '5e8']);
    const flat = niceTicks(5, 5);
    expect(flat.domain[0]).toBeLessThan(5);
    expect(flat.domain[1]).toBeGreaterThan(5);
    expect(niceTicks(0, 0).domain).toEqual([-1, 1]);
    expect(formatNumber(0.30000000000000004, 0.1)).toBe('0.3');
  });

  it('labels dates by the step (UTC)', () => {
    expect(timeTicks(Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)).ticks.map((t) => t.label)).toEqual(['00:00', '06:00', '12:00', '18:00', '00:00']);
    expect(timeTicks(Date.UTC(2020, 3, 5), Date.UTC(2024, 0, 2)).ticks.map((t) => t.label)).toEqual(['2021', '2022', '2023', '2024']);
  });
});

describe('buildChartSvg', () => {
  const series = makeSeries({ a: [1, 2, Number.NaN, 4, 5, Number.NaN, 7], b: [3, 3, 3, 3, 3, 3, 3] });

  it('is deterministic and valid for the sanitiser', () => {
    const one = buildChartSvg(series, { title: 'T & <x>' }).svg;
    expect(buildChartSvg(series, { title: 'T & <x>' }).svg).toBe(one);
    expect(one).toContain('T &amp; &lt;x&gt;');
    expect(sanitizeSvg(one).removed).toEqual([]);
  });

  it('draws NaN gaps as gaps and isolated points as dots, one colour per channel', () => {
    const { svg, layout } = buildChartSvg(series);
    const a = svg.match(new RegExp(`d="([^"]*)" stroke="${PALETTE[0]}"`))![1]!;
    expect(a.match(/M/g)!.length).toBe(2); // [1,2] and [4,5]; 7 is a lone point
    expect(svg).toMatch(new RegExp(`fill="${PALETTE[0]}"><circle`));
    expect(layout.colors.map((c) => c.color)).toEqual([PALETTE[0], PALETTE[1]]);
    expect(layout.drawn).toEqual([5, 7]);
  });

  it('handles constant, single-point and empty series', () => {
    expect(buildChartSvg(makeSeries({ c: [2, 2, 2] })).layout.y.domain[0]).toBeLessThan(2);
    expect(buildChartSvg(makeSeries({ c: [2] })).layout.empty).toBe(false);
    const e = buildChartSvg(makeSeries({ c: [] }));
    expect(e.layout.empty).toBe(true);
    expect(e.svg).toContain('no data');
    expect(buildChartSvg(makeSeries({ c: [Number.NaN, Number.NaN] })).layout.empty).toBe(true);
  });

  it('maps data to pixels and back', () => {
    const { layout } = buildChartSvg(makeSeries({ v: [0, 10, 5] }, [100, 200, 300]));
    const px = dataToChartPixel(layout, [150, 5]);
    const back = chartPixelToData(layout, px);
    expect(back[0]).toBeCloseTo(150, 9);
    expect(back[1]).toBeCloseTo(5, 9);
    expect(px[0]).toBeGreaterThan(layout.plot.x);
  });

  it('downsamples 1 million points to about two per plot column', () => {
    const n = 1_000_000;
    const v = new Float64Array(n).map((_, i) => Math.sin(i / 5000));
    const { svg, layout } = buildChartSvg(makeSeries({ v }));
    expect(layout.drawn[0]).toBeLessThanOrEqual(layout.plot.width * 2 + 2);
    expect(svg.length).toBeLessThan(100_000);
  });

  it('renders tick labels and the legend as visible text (fonts work)', () => {
    const { svg, layout } = buildChartSvg(makeSeries({ temperature: [0, 50, 100] }), { width: 448, height: 448 });
    const img = rasterizeSvg(svg, { width: 448, height: 448 });
    // y labels sit left of the plot, x labels below it, the legend above it
    expect(ink(img, 0, layout.plot.y, layout.plot.x - 2, layout.plot.y + layout.plot.height)).toBeGreaterThan(50);
    expect(ink(img, layout.plot.x + 5, layout.plot.y + layout.plot.height + 3, 448, 448)).toBeGreaterThan(50);
    expect(ink(img, 30, 0, 448, layout.plot.y - 6)).toBeGreaterThan(30);
  });
});

describe('serializeSeries', () => {
  it('lists stats and evenly spaced rows, NaN for gaps', () => {
    const text = serializeSeries(makeSeries({ temp: [20.5, 21, Number.NaN, 22.25] }));
    expect(text).toBe('series: 1 channel, 4 points, x = index 0..3\ntemp: min 20.5 max 22.25 mean 21.25 nan 1\n[x]: 0,1,2,3\ntemp: 20.5,21,NaN,22.25');
    const long = serializeSeries(makeSeries({ v: new Float64Array(1000).map((_, i) => i) }), { maxPoints: 5 });
    expect(long).toContain('[x]: 0,250,500,749,999');
    expect(long).toContain('(5 evenly spaced rows listed)');
    const iso = serializeSeries(makeSeries({ v: [1, 2] }, [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2)], 'iso'));
    expect(iso).toContain('[time]: 2024-01-01T00:00:00Z,2024-01-02T00:00:00Z');
    expect(serializeSeries(makeSeries({ e: [] }))).toBe('series: 1 channel, 0 points, no points\ne: no data');
  });
});
