import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cli as runCli } from '../../helpers/cli.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-cli-svg-'));
const put = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const NS = 'xmlns="http://www.w3.org/2000/svg"';

afterAll(() => closeDefaultSvgPool());

describe('glimpse render svg', () => {
  it('writes the PNG at --size and prints the placement as JSON', async () => {
    const src = put('wide.svg', `<svg ${NS} width="200" height="100"><rect width="200" height="100" fill="#ff0000"/><script>alert(1)</script></svg>`);
    const out = join(dir, 'out', 'wide.png');
    const r = await runCli(['render', 'svg', src, '--out', out, '--size', '100x100', '--background', 'black', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ file: src, out, size: [100, 100], intrinsic: [200, 100], scale: 0.5, offset: [0, 25], removed: ['script element'] });
    expect(doc.coords.region).toEqual([0, -50, 200, 150]);
    const { data, info } = await sharp(readFileSync(out)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([100, 100]);
    expect(Array.from(data.subarray(0, 3))).toEqual([0, 0, 0]); // letterbox bar
    const mid = (50 * 100 + 50) * info.channels;
    expect(Array.from(data.subarray(mid, mid + 3))).toEqual([255, 0, 0]);
  });

  it('extracts the SVG from a model completion and writes into a folder', async () => {
    const src = put('completion.txt', `<think>a circle</think>\n<answer>\n\`\`\`svg\n<svg ${NS} viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>\n\`\`\`\n</answer>`);
    const r = await runCli(['render', 'svg', src, '--out', `${dir}/`, '--extract']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'completion.png'))).toBe(true);
  });

  it('fails with one line naming the file and the cause', async () => {
    const cases: Array<[string, string]> = [
      [put('empty.svg', `<svg ${NS} width="10" height="10"/>`), 'empty render'],
      [put('trunc.svg', `<svg ${NS} width="10" height="10"><rect`), 'unterminated'],
      [put('zero.svg', `<svg ${NS} viewBox="0 0 0 5"><rect/></svg>`), 'zero-size viewBox'],
      [put('html.svg', '<html/>'), 'not <svg>'],
      [join(dir, 'missing.svg'), 'no such file'],
      [put('big.svg', `<svg ${NS}>${' '.repeat(2 << 20)}</svg>`), 'limit'],
      [put('slow.svg', `<svg ${NS} viewBox="0 0 200 200"><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="400"/></filter><rect x="20" y="20" width="160" height="160" fill="teal" filter="url(#f)"/></svg>`), 'abandoned'],
    ];
    for (const [file, why] of cases) {
      const r = await runCli(['render', 'svg', file, '--out', join(dir, 'never.png'), '--timeout', '300']);
      expect(r.code, file).toBe(1);
      expect(r.stderr.split('\n')[0]).toContain(file);
      expect(r.stderr).toContain(why);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const noSvg = await runCli(['render', 'svg', put('words.txt', 'I cannot draw that.'), '--out', join(dir, 'never.png'), '--extract']);
    expect(noSvg.code).toBe(1);
    expect(noSvg.stderr).toContain('no <svg> element');
    expect(existsSync(join(dir, 'never.png'))).toBe(false);
  });

  it('rejects bad option values naming the option', async () => {
    const src = put('ok.svg', `<svg ${NS} width="10" height="10"><rect width="5" height="5"/></svg>`);
    for (const [args, re] of [[['--size', '0x5'], /--size/], [['--timeout', 'soon'], /--timeout/], [['--background', 'plaid'], /background/]] as const) {
      const r = await runCli(['render', 'svg', src, '--out', join(dir, 'x.png'), ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(re);
    }
  });
});

describe('glimpse render chart', () => {
  it('writes the chart and prints its layout and text form', async () => {
    const src = put('s.csv', `time,a,b\n${Array.from({ length: 100 }, (_, i) => `${i},${Math.sin(i / 10)},${i % 20 === 0 ? '' : i / 100}`).join('\n')}\n`);
    const out = join(dir, 'chart.png');
    const r = await runCli(['render', 'chart', src, '--out', out, '--size', '320x240', '--title', 'demo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ size: [320, 240], length: 100, channels: ['a', 'b'], timeKind: 'number' });
    expect(doc.layout.plot.width).toBeGreaterThan(100);
    expect(doc.text).toContain('series: 2 channels, 100 points');
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);
  });

  it('fails with one line naming the file', async () => {
    for (const [file, why] of [[put('bad.csv', 'a,b\n1\n'), 'cells'], [put('bad.json', '{"x": '), 'invalid JSON'], [join(dir, 'none.csv'), 'no such file']] as const) {
      const r = await runCli(['render', 'chart', file, '--out', join(dir, 'never.png')]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toContain(file);
      expect(r.stderr).toContain(why);
    }
    const r = await runCli(['render', 'chart', put('ok.csv', 'v\n1\n2\n'), '--out', join(dir, 'x.png'), '--format', 'xml']);
    expect(r.stderr).toContain('--format');
  });
});
