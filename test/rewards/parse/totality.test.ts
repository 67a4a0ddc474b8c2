import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as P from '../../../rewards/parse/index.js';
import { HOSTILE_COMPLETIONS } from '../hostile.js';

type Parser = (s: string) => P.ParseResult<unknown>;
const PARSERS: Array<[string, Parser]> = [
  ['extractTag(answer)', (s) => P.extractTag(s, 'answer')],
  ['extractTag(think, last)', (s) => P.extractTag(s, 'think', { occurrence: 'last' })],
  ['sections', (s) => P.sections(s, ['think', 'answer'])],
  ['parseBoxes', (s) => P.parseBoxes(s)],
  ['parseBoxes(integersOnly)', (s) => P.parseBoxes(s, { integersOnly: true })],
  ['parsePoints', (s) => P.parsePoints(s)],
  ['parseSpan', (s) => P.parseSpan(s)],
  ['parseBoxes3D', (s) => P.parseBoxes3D(s)],
  ['parseChoice', (s) => P.parseChoice(s)],
  ['parseNumber', (s) => P.parseNumber(s)],
  ['parseLenientJson', (s) => P.parseLenientJson(s)],
];

/** Checks the ParseResult shape and that every offset lies in the input. */
function checkResult(name: string, input: string, r: P.ParseResult<unknown>): void {
  if (!r.ok) {
    expect(typeof r.reason, name).toBe('string');
    expect(r.reason.length, name).toBeGreaterThan(0);
    return;
  }
  expect(r.start, name).toBeGreaterThanOrEqual(0);
  expect(r.end, name).toBeGreaterThanOrEqual(r.start);
  expect(r.end, name).toBeLessThanOrEqual(input.length);
  expect(typeof r.via, name).toBe('string');
  if (Array.isArray(r.value)) {
    // one expect for the whole list: expect() per item is slow on 80 000 boxes
    const bad = (r.value as Array<{ start?: number; end?: number }>).find(
      (item) => typeof item?.start === 'number' && !(item.start >= 0 && item.end! >= item.start && item.end! <= input.length),
    );
    expect(bad, name).toBeUndefined();
  }
  if (typeof r.value === 'number') expect(Number.isFinite(r.value), name).toBe(true);
}

// Fragments that look like model output, so random strings exercise the interesting paths.
const FRAGMENTS = ['<think>', '</think>', '<answer>', '</answer>', '<|box_start|>', '<|box_end|>', '{', '}', '[', ']', '(', ')', ',', ':', '"bbox_2d"', "'Position'", '"label"', '"cat"', ' ', '\n', '-', '.', 'e', '1', '23', '4.5', '1e999', 'NaN', '\\boxed{', 'answer is', '(B)', 'A', ' - ', ' seconds', '00:12', '/', '%', '"center"', '"size"', '🙂', '\ud800'];
const outputLike = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((a) => a.join(''));

describe('parsers are total', () => {
  it.each(HOSTILE_COMPLETIONS)('on hostile input: %s', (_label, input) => {
    for (const [name, parse] of PARSERS) checkResult(name, input, parse(input));
  });

  it('on arbitrary unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        for (const [name, parse] of PARSERS) checkResult(name, s, parse(s));
      }),
      { numRuns: 200 },
    );
  });

  it('on output-like fragment soups', () => {
    fc.assert(
      fc.property(outputLike, (s) => {
        for (const [name, parse] of PARSERS) checkResult(name, s, parse(s));
      }),
      { numRuns: 400 },
    );
  });

  it('on non-string input from untyped JSON', () => {
    for (const bad of [undefined, null, 42, {}, ['x']] as unknown[]) {
      for (const [name, parse] of PARSERS) expect(() => parse(bad as string), name).not.toThrow();
    }
  });
});
