import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli.js';
import { loadImage } from '../../../modalities/image/load.js';
import { bombPng, encode, pattern, put, solid, tempDir } from './fixtures.js';

const dir = tempDir('glimpse-cli-img-');

describe('glimpse render image', () => {
  it('writes the smart-resized image with boxes in original pixels and prints JSON metadata', async () => {
    const src = put(dir, 'white.png', await encode(solid(240, 180, [255, 255, 255]), 'png'));
    const out = join(dir, 'out', 'a.png');
    const r = await cli(['render', 'image', src, '--out', out, '--boxes', '[[24,18,120,90],{"bbox":[130,100,230,170],"label":"dog","color":"#0000ff"}]', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ original: [240, 180], size: [252, 168], format: 'png' });
    expect(doc.coords).toMatchObject({ original: [240, 180], input: [252, 168], space: 'pixel' });
    expect(doc.overlay[0].bbox[0]).toBeCloseTo(24 * (252 / 240), 9);
    const img = await loadImage(out);
    expect([img.width, img.height]).toEqual([252, 168]);
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(px(25, 60)[1]).toBeLessThan(200); // the first box's left edge is coloured (palette red)
    expect(px(60, 60)).toEqual([255, 255, 255]);
  });

  it('takes --size, --crop and model-space boxes', async () => {
    const src = put(dir, 'p.png', await encode(pattern(200, 100), 'png'));
    const out = join(dir, 'b.png');
    const r = await cli(['render', 'image', src, '--out', out, '--size', '64x32', '--crop', '100,0,200,100', '--boxes', '[[0,0,500,500]]', '--space', 'norm1000', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.size).toEqual([64, 32]);
    expect(doc.coords.region).toEqual([100, 0, 200, 100]);
    expect(doc.overlay[0].bbox).toEqual([0, 0, 32, 16]);
  });

  it('fails with one line naming the file for missing, corrupt, bomb and unsupported input', async () => {
    const cases: Array<[string, string]> = [
      [join(dir, 'nope.png'), 'file not found'],
      [put(dir, 'empty.png', ''), 'empty'],
      [put(dir, 'bomb.png', bombPng()), 'pixel'],
      [put(dir, 'doc.txt', 'hello'), 'supported format'],
    ];
    for (const [file, why] of cases) {
      const r = await cli(['render', 'image', file, '--out', join(dir, 'never.png')]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toContain(file);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(existsSync(join(dir, 'never.png'))).toBe(false);
  });

  it('rejects bad option values with a message naming the option', async () => {
    const src = put(dir, 'q.png', await encode(pattern(20, 20), 'png'));
    const bad: Array<[string[], RegExp]> = [
      [['--size', '0x5'], /--size/],
      [['--size', 'bigxbig'], /--size/],
      [['--boxes', '[[1,2,3]]'], /--boxes\[0\]/],
      [['--boxes', '{not json'], /--boxes: not valid JSON/],
      [['--boxes', '[[1,2,3,NaN]]'], /--boxes/],
      [['--points', '"x"'], /--points: expected a JSON array/],
      [['--crop', '1,2,3'], /--crop/],
      [['--space', 'polar'], /--space/],
      [['--boxes', `[${'[1,2,3,4],'.repeat(10_001)}[1,2,3,4]]`], /--boxes: 10002 items/],
    ];
    for (const [extra, re] of bad) {
      const r = await cli(['render', 'image', src, '--out', join(dir, 'x.png'), ...extra]);
      expect(r.code, extra.join(' ')).toBe(1);
      expect(r.stderr).toMatch(re);
    }
    const missing = await cli(['render', 'image', src]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--out/);
  });
});

describe('glimpse render image output errors', () => {
  it('names the output path when it cannot be written', async () => {
    const src = put(dir, 'w.png', await encode(pattern(20, 20), 'png'));
    const r = await cli(['render', 'image', src, '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toContain(`${dir}: cannot write the output`);
  });
});
