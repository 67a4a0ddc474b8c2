import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAdapterConformance } from '../../conformance/adapters.js';
import { svgAdapter } from '../../../modalities/svg/adapter.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';
import { getAdapter } from '../../../modalities/registry.js';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const SVG = `<svg ${NS} width="200" height="100"><rect width="100" height="100" fill="red"/><circle cx="150" cy="50" r="40" fill="navy"/></svg>`;
const dir = mkdtempSync(join(tmpdir(), 'glimpse-svg-adapter-'));
const file = join(dir, 'drawing.svg');
writeFileSync(file, SVG);
const slowFile = join(dir, 'slow.svg');
writeFileSync(slowFile, `<svg ${NS} viewBox="0 0 200 200"><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="400"/></filter><rect x="20" y="20" width="160" height="160" fill="teal" filter="url(#f)"/></svg>`);

afterAll(() => closeDefaultSvgPool());

runAdapterConformance('svg', {
  adapter: svgAdapter,
  options: { size: [96, 64] },
  validMedia: () => [{ kind: 'svg', data: SVG }, { kind: 'svg', path: file }],
  tooLarge: () => ({ media: { kind: 'svg', path: file }, options: { limits: { maxBytes: 50 } } }),
  hostileMedia: () => {
    const empty = join(dir, 'empty.svg');
    writeFileSync(empty, `<svg ${NS} width="10" height="10"></svg>`);
    const trunc = join(dir, 'truncated.svg');
    writeFileSync(trunc, SVG.slice(0, 70));
    const zero = join(dir, 'zero.svg');
    writeFileSync(zero, `<svg ${NS} viewBox="0 0 0 0"><rect/></svg>`);
    return [
      { name: 'empty render', media: { kind: 'svg', path: empty }, codes: ['empty_render'] },
      { name: 'truncated', media: { kind: 'svg', path: trunc }, codes: ['parse_error'] },
      { name: 'zero viewBox', media: { kind: 'svg', path: zero }, codes: ['zero_viewbox'] },
      { name: 'not svg', media: { kind: 'svg', data: '<html></html>' }, codes: ['not_svg'] },
      { name: 'unicode junk', media: { kind: 'svg', data: '🎉'.repeat(1000) }, codes: ['not_svg'] },
      { name: 'absurd render size', media: { kind: 'svg', data: SVG }, codes: ['too_large'], options: { size: [100000, 100000] } },
      { name: 'bad option', media: { kind: 'svg', data: SVG }, codes: ['bad_config'], options: { size: [0, 10] } },
      { name: 'slow render', media: { kind: 'svg', path: slowFile }, codes: ['timeout'], options: { timeoutMs: 200, size: [512, 512] } },
    ];
  },
});

describe('svg adapter', () => {
  it('is registered under "svg"', () => {
    expect(getAdapter('svg')).toBe(svgAdapter);
  });

  it('maps model coordinates back to SVG user units through the letterbox', async () => {
    // 200x100 canvas into 100x100: scale 0.5, bars of 25 px above and below
    const p = await svgAdapter.prepare({ kind: 'svg', data: SVG }, { size: [100, 100], space: 'norm1000' });
    expect(p.meta).toMatchObject({ intrinsic: [200, 100], scale: 0.5, offset: [0, 25] });
    const c = p.coords.toOriginal([750, 500]); // centre of the circle
    expect(c[0]).toBeCloseTo(150, 6);
    expect(c[1]).toBeCloseTo(50, 6);
    const img = p.images[0]!;
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * 100 + x) * 3, (y * 100 + x) * 3 + 3));
    expect(at(25, 50)).toEqual([255, 0, 0]);
    expect(at(75, 50)).toEqual([0, 0, 128]);
    expect(at(50, 5)).toEqual([255, 255, 255]);
  });
});
