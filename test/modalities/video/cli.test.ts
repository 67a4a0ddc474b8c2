import { describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadImage } from '../../../modalities/image/load.js';
import { cli } from '../../helpers/cli.js';
import { counterOf, counterVideo, tempDir } from './fixtures.js';

const dir = tempDir('glimpse-cli-frames-');

describe('glimpse render frames', () => {
  it('writes N frames as PNGs and prints timestamps as JSON', async () => {
    const video = counterVideo(dir);
    const out = join(dir, 'frames');
    const r = await cli(['render', 'frames', video, '--out', out, '--frames', '4', '--resize', 'none', '--no-cache', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.probe).toMatchObject({ duration: 3, fps: 10, size: [64, 48] });
    expect(doc.frames.map((f: { index: number }) => f.index)).toEqual([0, 10, 19, 29]);
    expect(doc.frames.map((f: { time: number }) => f.time)).toEqual([0, 1, 1.9, 2.9]);
    expect(readdirSync(out).sort()).toEqual(['frame_0001.png', 'frame_0002.png', 'frame_0003.png', 'frame_0004.png']);
    const f3 = await loadImage(join(out, 'frame_0003.png'));
    expect(counterOf(f3.data)).toBe(19);
  });

  it('samples by fps inside a window, resized to --size', async () => {
    const r = await cli(['render', 'frames', counterVideo(dir), '--out', join(dir, 'w'), '--fps', '4', '--window', '1,2', '--size', '32x24', '--no-cache', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.size).toEqual([32, 24]);
    expect(doc.frames.length).toBe(4); // 11 frames in [1, 2] s, 11/10·4 = 4.4 -> 4
    expect(doc.frames[0].time).toBeCloseTo(1, 6);
    expect(doc.frames.at(-1).time).toBeCloseTo(2, 6);
  });

  it('fails with one line naming the file for missing and corrupt videos, and bad options', async () => {
    const bad = join(dir, 'bad.mp4');
    writeFileSync(bad, 'not a video at all');
    for (const [args, re] of [
      [[join(dir, 'missing.mp4')], /missing\.mp4: file not found/],
      [[bad], /bad\.mp4: not a readable video/],
      [[counterVideo(dir), '--frames', '0'], /--frames/],
      [[counterVideo(dir), '--frames', '2', '--fps', '2'], /exclusive/],
      [[counterVideo(dir), '--window', '5,1'], /--window/],
      [[counterVideo(dir), '--window', '10,20'], /after the end/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(['render', 'frames', ...args, '--out', join(dir, 'none'), '--no-cache']);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
