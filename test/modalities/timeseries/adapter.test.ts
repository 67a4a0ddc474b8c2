import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdapterConformance } from '../../conformance/adapters.js';
import { timeseriesAdapter } from '../../../modalities/timeseries/adapter.js';
import { chartPixelToData, type ChartLayout } from '../../../modalities/timeseries/chart.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';
import { getAdapter } from '../../../modalities/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-ts-'));
const csv = join(dir, 'sensor.csv');
writeFileSync(csv, `time,temp,hum\n${Array.from({ length: 500 }, (_, i) => `${i},${(Math.sin(i / 30) * 10).toFixed(3)},${i % 50 === 0 ? '' : (40 + (i % 7)).toString()}`).join('\n')}\n`);
const json = JSON.stringify({ time: ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z'], series: { load: [1, 5, 2] } });

afterAll(() => closeDefaultSvgPool());

runAdapterConformance('timeseries', {
  adapter: timeseriesAdapter,
  options: { size: [160, 120] },
  validMedia: () => [{ kind: 'timeseries', path: csv }, { kind: 'timeseries', data: json }, { kind: 'timeseries', data: 'v\n' }],
  tooLarge: () => ({ media: { kind: 'timeseries', path: csv }, options: { limits: { maxPoints: 10 } } }),
  hostileMedia: () => {
    const ragged = join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const truncated = join(dir, 'trunc.json');
    writeFileSync(truncated, json.slice(0, 40));
    const back = join(dir, 'back.csv');
    writeFileSync(back, 't,v\n2,1\n1,1\n');
    return [
      { name: 'ragged CSV', media: { kind: 'timeseries', path: ragged }, codes: ['corrupt'] },
      { name: 'truncated JSON', media: { kind: 'timeseries', path: truncated }, codes: ['corrupt'] },
      { name: 'time going backwards', media: { kind: 'timeseries', path: back }, codes: ['corrupt'] },
      { name: 'NUL bytes', media: { kind: 'timeseries', data: 'a\0b' }, codes: ['corrupt'] },
      { name: 'unicode junk', media: { kind: 'timeseries', data: '🎉'.repeat(500) }, codes: ['corrupt'] },
      { name: 'absurd size', media: { kind: 'timeseries', data: json }, codes: ['bad_config'], options: { size: [100000, 100000] } },
    ];
  },
});

describe('timeseries adapter', () => {
  it('is registered under "timeseries"', () => {
    expect(getAdapter('timeseries')).toBe(timeseriesAdapter);
  });

  it('gives the chart, the text form on request, and a layout that maps pixels to data', async () => {
    const p = await timeseriesAdapter.prepare({ kind: 'timeseries', path: csv }, { text: 'both', textMaxPoints: 3 });
    expect(p.images[0]!.width).toBe(448);
    expect(p.text.startsWith('<image>\nseries: 2 channels, 500 points, t = 0..499')).toBe(true);
    expect(p.text).toContain('[t]: 0,250,499');
    const layout = p.meta.layout as ChartLayout;
    const [t0] = chartPixelToData(layout, [layout.plot.x, layout.plot.y]);
    expect(t0).toBeCloseTo(0, 6);
    expect(p.meta.channels).toEqual(['temp', 'hum']);
    const s = await timeseriesAdapter.prepare({ kind: 'timeseries', data: json }, { text: 'series' });
    expect(s.text.startsWith('series: 1 channel, 3 points, time = 2024-01-01T00:00:00Z..2024-01-01T02:00:00Z')).toBe(true);
  });

  it('renders a 1 million point CSV', async () => {
    const n = 1_000_000;
    const lines = new Array<string>(n + 1);
    lines[0] = 'v';
    for (let i = 0; i < n; i++) lines[i + 1] = (i % 1000 === 0 ? '' : ((i * 7919) % 1000).toString());
    const p = await timeseriesAdapter.prepare({ kind: 'timeseries', data: lines.join('\n') }, { size: [256, 192] });
    expect(p.meta.length).toBe(n);
    expect(p.images[0]!.data.length).toBe(256 * 192 * 3);
  });
});
