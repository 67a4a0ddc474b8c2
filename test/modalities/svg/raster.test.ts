import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import fc from 'fast-check';
import { rasterizeSvg, parseColor, composite } from '../../../modalities/svg/raster.js';
import { encodePngScanlines, encodeRgbPng } from '../../../modalities/svg/png.js';
import { hasKnownFont } from '../../../modalities/svg/fonts.js';
import { codeOf } from '../../helpers/errors.js';

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const px = (r: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(r.data.subarray((y * r.width + x) * 3, (y * r.width + x) * 3 + 3));


describe('rasterizeSvg', () => {
  it('renders at a fixed size, letterboxed on the background, with the placement reported', () => {
    // a 100x50 canvas, left half red, right half blue
    const svg = `<svg ${NS} width="100" height="50"><rect width="50" height="50" fill="red"/><rect x="50" width="50" height="50" fill="blue"/></svg>`;
    const r = rasterizeSvg(svg, { width: 200, height: 200, background: '#00ff00' });
    expect([r.width, r.height, r.data.length]).toEqual([200, 200, 200 * 200 * 3]);
    expect(r.placement).toEqual({ intrinsic: [100, 50], scale: 2, offset: [0, 50] });
    expect(px(r, 10, 10)).toEqual([0, 255, 0]); // bar above
    expect(px(r, 50, 100)).toEqual([255, 0, 0]);
    expect(px(r, 150, 100)).toEqual([0, 0, 255]);
    expect(px(r, 150, 190)).toEqual([0, 255, 0]); // bar below
  });

  it('composites transparency over the background', () => {
    const r = rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="10" height="10" fill="black" fill-opacity="0.5"/></svg>`, { width: 10, height: 10 });
    const [v] = px(r, 5, 5);
    expect(v).toBeGreaterThan(120);
    expect(v).toBeLessThan(135);
  });

  it('uses the viewBox when there is no width/height and keeps a portrait canvas centred', () => {
    const r = rasterizeSvg(`<svg ${NS} viewBox="0 0 10 20"><rect width="10" height="20" fill="black"/></svg>`, { width: 100, height: 100 });
    expect(r.placement).toEqual({ intrinsic: [10, 20], scale: 5, offset: [25, 0] });
    expect(px(r, 10, 50)).toEqual([255, 255, 255]);
    expect(px(r, 50, 50)).toEqual([0, 0, 0]);
  });

  it('never loads an external file, even by absolute path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-svg-'));
    const file = join(dir, 'red.png');
    writeFileSync(file, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer());
    const svg = `<svg ${NS} width="10" height="10"><image href="${file}" width="10" height="10"/><image xlink:href="file://${file}" width="10" height="10"/><rect width="1" height="1"/></svg>`;
    const r = rasterizeSvg(svg, { width: 10, height: 10 });
    expect(px(r, 5, 5)).toEqual([255, 255, 255]);
    expect(r.removed.length).toBe(2);
  });

  it('draws inline raster images (data URLs are not external)', async () => {
    const png = (await sharp({ create: { width: 4, height: 4, channels: 3, background: '#0000ff' } }).png().toBuffer()).toString('base64');
    const r = rasterizeSvg(`<svg ${NS} width="10" height="10"><image href="data:image/png;base64,${png}" width="10" height="10"/></svg>`, { width: 10, height: 10 });
    expect(px(r, 5, 5)).toEqual([0, 0, 255]);
  });

  it('renders text with the fonts it finds', () => {
    expect(hasKnownFont()).toBe(true);
    const r = rasterizeSvg(`<svg ${NS} width="100" height="40"><text x="5" y="30" font-size="28" font-family="sans-serif">123</text></svg>`, { width: 100, height: 40 });
    let ink = 0;
    for (let i = 0; i < r.data.length; i += 3) if (r.data[i]! < 128) ink++;
    expect(ink).toBeGreaterThan(100);
  });

  it('gates invalid SVGs with a code saying why', () => {
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"></svg>`))).toBe('empty_render');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="5" height="5" fill="none"/></svg>`))).toBe('empty_render');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} viewBox="0 0 10 0"><rect width="5" height="5"/></svg>`))).toBe('zero_viewbox');
    expect(codeOf(() => rasterizeSvg('<svg><rect width="5" height="5"/></svg>'))).toBe('ok'); // namespace added
    expect(codeOf(() => rasterizeSvg('<svg><use xlink:href="#r"/><rect id="r" width="5" height="5"/></svg>'))).toBe('ok');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS}><rect width="5" height="5"/>`))).toBe('parse_error');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="5" height="5"/></svg>`, { width: 100000, height: 100000 }))).toBe('too_large');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="5" height="5"/></svg>`, { width: 0, height: 10 }))).toBe('bad_config');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="5" height="5"/></svg>`, { width: Number.NaN }))).toBe('bad_config');
    expect(codeOf(() => rasterizeSvg(`<svg ${NS} width="10" height="10"><rect width="5" height="5"/></svg>`, { background: 'not-a-colour' }))).toBe('bad_config');
  });

  it('gives the same pixels as RGB and as PNG, over a coloured background', async () => {
    const svg = `<svg ${NS} width="40" height="20"><rect width="30" height="10" fill="teal" fill-opacity="0.6"/><circle cx="30" cy="12" r="6" fill="orange"/></svg>`;
    const rgb = rasterizeSvg(svg, { width: 37, height: 23, background: '#102030' });
    const both = rasterizeSvg(svg, { width: 37, height: 23, background: '#102030', png: true });
    const pngOnly = rasterizeSvg(svg, { width: 37, height: 23, background: '#102030', png: true, rgb: false });
    expect(Buffer.from(both.data).equals(Buffer.from(rgb.data))).toBe(true);
    expect(pngOnly.data.length).toBe(0);
    expect(Buffer.from(pngOnly.png!).equals(Buffer.from(both.png!))).toBe(true);
    const { data, info } = await sharp(Buffer.from(both.png!)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([37, 23, 3]);
    expect(Buffer.from(data).equals(Buffer.from(rgb.data))).toBe(true);
    expect(px(rgb, 0, 0)).toEqual([16, 32, 48]); // letterbox bar above
  });

  it('clamps a huge feMorphology radius instead of spending seconds on it', () => {
    const svg = `<svg ${NS} viewBox="0 0 200 200"><filter id="f"><feMorphology radius="9999"/></filter><rect x="20" y="20" width="160" height="160" fill="teal" filter="url(#f)"/></svg>`;
    const r = rasterizeSvg(svg, { width: 256, height: 256 });
    expect(r.removed).toEqual(['feMorphology radius "9999" (clamped to 12.5)']);
    expect(px(r, 128, 128)).toEqual([0, 128, 128]); // eroded by 16 px, the centre stays
    expect(px(r, 30, 30)).toEqual([255, 255, 255]);
  });

  it('composites any premultiplied render the same whether its bytes are 4-aligned or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.uint8Array({ minLength: 324, maxLength: 324 }), (w, h, noise) => {
        // premultiplied: colour bytes never above alpha; many pixels fully transparent
        const rgba = new Uint8Array(w * h * 4);
        for (let p = 0; p < w * h; p++) {
          const a = noise[p * 4]! < 100 ? 0 : noise[p * 4]! > 200 ? 255 : noise[p * 4]!;
          rgba[p * 4 + 3] = a;
          for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.min(a, noise[p * 4 + c + 1]!);
        }
        const shifted = new Uint8Array(rgba.length + 1).subarray(1);
        shifted.set(rgba);
        const W = w + 2;
        const H = h + 1;
        const run = (px: Uint8Array) => {
          const out = new Uint8Array((W * 3 + 1) * H);
          const ink = composite({ rgba: px, width: w, rw: w, rh: h, ox: 1, oy: 1 }, out, W * 3 + 1, 1, W, H, [16, 32, 48]);
          return { ink, out: Buffer.from(out) };
        };
        const a = run(rgba);
        const b = run(shifted);
        expect(b.ink).toBe(a.ink);
        expect(a.out.equals(b.out)).toBe(true);
        expect(a.ink).toBe(rgba.some((_, i) => i % 4 === 3 && rgba[i]! > 0));
        expect(Array.from(a.out.subarray(0, 4))).toEqual([0, 16, 32, 48]); // filter byte, then the background
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic', () => {
    const svg = `<svg ${NS} viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="teal" stroke="black"/></svg>`;
    expect(Buffer.from(rasterizeSvg(svg).data).equals(Buffer.from(rasterizeSvg(svg).data))).toBe(true);
  });
});

describe('parseColor', () => {
  it('parses hex, rgb() and names; refuses the rest', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor('#102030')).toEqual([16, 32, 48]);
    expect(parseColor(' RGB(1, 2, 3) ')).toEqual([1, 2, 3]);
    expect(parseColor('black')).toEqual([0, 0, 0]);
    for (const bad of ['', '#ffff', 'rgb(300,0,0)', 'transparent', 'NaN']) expect(() => parseColor(bad)).toThrow(/not a colour/);
  });
});

describe('encodeRgbPng', () => {
  it('writes a PNG that sharp decodes to the same pixels', async () => {
    const w = 7;
    const h = 5;
    const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 37) & 255);
    const { data, info } = await sharp(Buffer.from(encodeRgbPng(w, h, rgb))).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([w, h, 3]);
    expect(Buffer.from(data).equals(Buffer.from(rgb))).toBe(true);
    expect(() => encodeRgbPng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });

  it('encodes ready-made scanlines to the same file', () => {
    const rgb = new Uint8Array(4 * 3 * 3).map((_, i) => (i * 53) & 255);
    const rows = new Uint8Array(3 * (4 * 3 + 1));
    for (let y = 0; y < 3; y++) rows.set(rgb.subarray(y * 12, (y + 1) * 12), y * 13 + 1);
    expect(Buffer.from(encodePngScanlines(4, 3, rows, 1)).equals(Buffer.from(encodeRgbPng(4, 3, rgb, 1)))).toBe(true);
    expect(() => encodePngScanlines(4, 3, rgb)).toThrow(RangeError);
  });
});
