import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { trailingMean, writePlots } from '../../../src/train/report.js';

describe('training report plots', () => {
  it('trailingMean averages each value with the window − 1 before it', () => {
    expect(trailingMean([1, 2, 3, 4, 5], 2)).toEqual([1, 1.5, 2.5, 3.5, 4.5]);
    expect(trailingMean([4, 0, 2], 10)).toEqual([4, 2, 2]);
    expect(trailingMean([], 3)).toEqual([]);
  });

  it('plots each curve with its 10-step mean once there are 20 steps; skips curves with fewer than 2 points', async () => {
    const out = mkdtempSync(join(tmpdir(), 'glimpse-plots-'));
    const rows = Array.from({ length: 30 }, (_, i) => ({ phase: 'grpo', step: i + 1, 'reward/mean': i % 2, 'acc@0.5': 0.5 }));
    const files = await writePlots(out, [...rows, { phase: 'sft', step: 1, loss: 3 }]);
    expect(files).toEqual(['plot-reward_mean.png', 'plot-acc_0_5.png']);
    expect(readdirSync(out).sort()).toEqual(['plot-acc_0_5.png', 'plot-reward_mean.png']);
    const meta = await sharp(join(out, 'plot-reward_mean.png')).metadata();
    expect([meta.width, meta.height]).toEqual([640, 360]);
    // the mean line is drawn: the plot holds orange pixels (the second channel's colour)
    const { data } = await sharp(join(out, 'plot-reward_mean.png')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let orange = 0;
    for (let i = 0; i < data.length; i += 3) if (data[i]! > 200 && data[i + 1]! > 100 && data[i + 1]! < 180 && data[i + 2]! < 80) orange++;
    expect(orange).toBeGreaterThan(50);
  }, 60_000);
});
