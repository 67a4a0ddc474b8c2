import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { extractSvg } from '../../../modalities/svg/extract.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>';

describe('extractSvg', () => {
  it('finds the program in a fenced block, with offsets into the completion', () => {
    const text = `Sure! Here it is:\n\`\`\`svg\n${SVG}\n\`\`\`\nDone.`;
    const r = extractSvg(text);
    expect(r.ok && r.value).toBe(SVG);
    expect(r.ok && r.via).toBe('fenced');
    if (r.ok) expect(text.slice(r.start, r.end)).toBe(SVG);
  });

  it('prefers <answer> over a draft elsewhere, and the last fenced block over earlier ones', () => {
    const draft = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>';
    const r = extractSvg(`<think>draft: ${draft}</think><answer>${SVG}</answer>`);
    expect(r.ok && r.value).toBe(SVG);
    expect(r.ok && r.via).toBe('answer');
    const r2 = extractSvg(`\`\`\`xml\n${draft}\n\`\`\` then \`\`\`\n${SVG}\n\`\`\``);
    expect(r2.ok && r2.value).toBe(SVG);
  });

  it('takes a bare program, keeps nested <svg> and accepts a self-closing root', () => {
    const nested = '<svg xmlns="http://www.w3.org/2000/svg"><svg x="1"><rect/></svg><rect/></svg>';
    expect(extractSvg(`text ${nested} more`)).toMatchObject({ ok: true, value: nested, via: 'bare' });
    expect(extractSvg('a <svg xmlns="http://www.w3.org/2000/svg"/> b')).toMatchObject({ ok: true, value: '<svg xmlns="http://www.w3.org/2000/svg"/>' });
    expect(extractSvg(`<SVG viewBox="0 0 1 1"></SVG>`)).toMatchObject({ ok: true });
  });

  it('says why when there is nothing usable', () => {
    expect(extractSvg('')).toEqual({ ok: false, reason: 'empty completion' });
    expect(extractSvg('no drawing here')).toMatchObject({ ok: false, reason: expect.stringMatching(/no <svg>/) });
    expect(extractSvg('<svgfoo></svgfoo>')).toMatchObject({ ok: false });
    expect(extractSvg(`<answer>${SVG.slice(0, 60)}`)).toMatchObject({ ok: false, reason: expect.stringMatching(/unterminated/) });
    expect(extractSvg('```svg\n<svg xmlns="http://www.w3.org/2000/svg"><rect')).toMatchObject({ ok: false, reason: expect.stringMatching(/unterminated/) });
    expect(extractSvg(undefined as unknown as string)).toMatchObject({ ok: false });
  });

  it('handles 1 MB inputs quickly (linear scan)', () => {
    const junk = '```\n<svg </svg'.repeat(80_000);
    const t = Date.now();
    expect(extractSvg(junk).ok).toBe(false);
    expect(extractSvg('x'.repeat(1 << 20) + SVG).ok).toBe(true);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('is total and its offsets always point at what it returns', () => {
    const piece = fc.constantFrom('<svg>', '</svg>', '<svg/>', '```svg\n', '```', '<answer>', '</answer>', 'x', '\n', '🎉', '<svg xmlns="a">', '>');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(piece, { maxLength: 20 }).map((a) => a.join(''))), (s) => {
        const r = extractSvg(s);
        if (r.ok) {
          expect(s.slice(r.start, r.end)).toBe(r.value);
          expect(r.value.toLowerCase().startsWith('<svg')).toBe(true);
          expect(r.value.endsWith('>')).toBe(true);
        } else expect(r.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
