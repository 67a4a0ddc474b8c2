import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, statSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { subsetTrueType, withinRanges } from '../../../modalities/svg/font-subset.js';
import { fontOptions, hasKnownFont } from '../../../modalities/svg/fonts.js';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const textSvg = (t: string) => `<svg ${NS} viewBox="0 0 400 40"><text x="4" y="30" font-size="22">${t}</text></svg>`;
const draw = (svg: string, fontFiles: string[]) =>
  new Resvg(svg, { font: { loadSystemFonts: false, fontFiles, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'width', value: 400 } }).render().pixels;

describe('font subset', () => {
  it('draws common text with the same pixels as the full font, from a file a third of the size', () => {
    expect(hasKnownFont()).toBe(true);
    const full = fontOptions().fontFiles![0]!;
    const sub = fontOptions(textSvg('x')).fontFiles![0]!;
    expect(sub).not.toBe(full);
    expect(sub).toMatch(/glimpse-fonts-/);
    expect(statSync(sub).size).toBeLessThan(statSync(full).size / 2);
    for (const t of ['The quick brown fox jumps over the lazy dog', 'fi fl ffi ffl — “quotes” 1–2 €5 ±3° µm αβγ Ω → ≤ ∑ ■', 'Ærøskøbing à ç ñ ü ß ÿ &amp; &lt;&#65;&#x42;']) {
      expect(draw(textSvg(t), [sub]).equals(draw(textSvg(t), [full]))).toBe(true);
    }
  });

  it('keeps only the common characters: others are missing from the subset, and such SVGs get the full font', () => {
    const full = fontOptions();
    const sub = fontOptions(textSvg('abc'));
    const cyrillic = textSvg('жизнь');
    expect(fontOptions(cyrillic)).toBe(full);
    expect(fontOptions(textSvg('&#x436;'))).toBe(full);
    expect(draw(cyrillic, sub.fontFiles!).equals(draw(cyrillic, full.fontFiles!))).toBe(false);
  });

  it('says whether text stays within the ranges, character references included', () => {
    expect(withinRanges('plain ASCII\t\r\n, Latin-1 é, Greek π, arrows →, math ≤')).toBe(true);
    expect(withinRanges('&#65; &#x3c0; &amp; &#')).toBe(true);
    for (const s of ['жизнь', '&#x436;', '&#1078;', '日本', '😀', '\u0001', 'a\u0301', '&#x110000;']) expect(withinRanges(s), s).toBe(false);
    const huge = 'a'.repeat(1 << 20);
    expect(withinRanges(huge)).toBe(true);
    expect(withinRanges(`${huge}ж`)).toBe(false);
    expect(withinRanges('')).toBe(true);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (t) => typeof withinRanges(t) === 'boolean'));
  });

  it('gives undefined, never throws, for fonts it cannot subset', () => {
    const font = new Uint8Array(readFileSync(fontOptions().fontFiles![0]!));
    expect(subsetTrueType(new Uint8Array(0))).toBeUndefined();
    expect(subsetTrueType(font.subarray(0, 1000))).toBeUndefined(); // truncated
    const cff = font.slice(0, 4096);
    cff.set([0x4f, 0x54, 0x54, 0x4f]); // 'OTTO': CFF outlines
    expect(subsetTrueType(cff)).toBeUndefined();
    expect(subsetTrueType(new Uint8Array(1 << 20).map((_, i) => (i * 7919) & 255))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 0, max: 4000 }), (noise, at) => {
        const broken = font.slice();
        broken.set(noise.subarray(0, Math.max(0, broken.length - at)), at);
        const out = subsetTrueType(broken);
        return out === undefined || out instanceof Uint8Array;
      }),
      { numRuns: 60 },
    );
  });
});
