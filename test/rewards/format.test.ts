import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../data/schema.js';
import { getReward } from '../../rewards/index.js';
import { visualRftFormatMatch, vlmR1FormatMatch } from '../../rewards/format/index.js';
import { matchShape, checkShape } from '../../rewards/format/shape.js';

const S = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
// The published regexes, run by a backtracking engine (fine on the short strings of these tests).
const VLM_R1_RE = new RegExp(String.raw`<think>.*?</think>${S}*<answer>.*?\{.*\[\p{Nd}+,${S}*\p{Nd}+,${S}*\p{Nd}+,${S}*\p{Nd}+\].*\}.*?</answer>`, 'su');
const VISUAL_RFT_RE = new RegExp(String.raw`^(?:<think>.*?</think>${S}*<answer>.*?</answer>)$`, 'su');

const FRAG = ['<think>', '</think>', '<answer>', '</answer>', '{', '}', '[', ']', '1', '23', ',', ', ', ' ', '\n', '\u3000', '\ufeff', '٣', 'x', '.'];
const small = fc.array(fc.constantFrom(...FRAG), { maxLength: 6 }).map((a) => a.join(''));
const maybe = (t: string) => fc.constantFrom(t, t, t, '');
// Near-misses and hits of the published shapes: every piece may be dropped, noise in between.
const structured = fc
  .tuple(small, maybe('<think>'), small, maybe('</think>'), fc.constantFrom('', ' ', '\n', '\u3000', '\ufeff', 'x'), maybe('<answer>'), small, maybe('{'), small, fc.constantFrom('[1, 2,3,4]', '[١,2,3,4]', '[1,2,3]', '[1, 2, 3, 4.5]', ''), small, maybe('}'), small, maybe('</answer>'), small)
  .map((parts) => parts.join(''));
const soup = fc.oneof(fc.array(fc.constantFrom(...FRAG), { maxLength: 30 }).map((a) => a.join('')), structured);

const sample: Sample = { id: 's', prompt: '', media: [], answer: {} };
const score = (name: string, completion: string, params: Record<string, unknown> = {}) => {
  const def = getReward(name);
  return def.score({ completion, sample }, def.params.parse(params)) as { score: number | null; reason?: string };
};

describe('published format regexes', () => {
  it('vlmR1FormatMatch equals re.search of the VLM-R1 pattern', () => {
    let hits = 0;
    fc.assert(
      fc.property(soup, (s) => {
        const want = VLM_R1_RE.test(s);
        if (want) hits++;
        return vlmR1FormatMatch(s) === want;
      }),
      { numRuns: 3000 },
    );
    expect(hits).toBeGreaterThan(50); // the generator does reach matches
  });

  it('visualRftFormatMatch equals re.fullmatch of the Visual-RFT pattern', () => {
    let hits = 0;
    const rft = fc.oneof(soup, fc.tuple(fc.constantFrom('<think>', ''), small, fc.constantFrom('</think>', ''), fc.constantFrom('', ' ', '\n\u3000', 'x'), fc.constantFrom('<answer>', ''), small, fc.constantFrom('</answer>', '</answer>\n', '')).map((p) => p.join('')));
    fc.assert(
      fc.property(rft, (s) => {
        const want = VISUAL_RFT_RE.test(s);
        if (want) hits++;
        return visualRftFormatMatch(s) === want;
      }),
      { numRuns: 3000 },
    );
    expect(hits).toBeGreaterThan(50);
  });

  it('runs in linear time on 1 MB where a backtracking regex would not', () => {
    const evil = '<think></think><answer>{' + '[1, 2, 3, '.repeat(100_000);
    expect(vlmR1FormatMatch(evil)).toBe(false);
    expect(visualRftFormatMatch('<think>' + '</think> '.repeat(100_000))).toBe(false);
  });
});

describe('format.think_answer', () => {
  it.each([
    ['<think>a</think><answer>b</answer>', 1],
    ['  <think>a</think>\n\n<answer>b</answer>\n', 1],
    ['<think></think><answer>b</answer>', 1],
    ['<think>a</think>', 0],
    ['<answer>b</answer>', 0],
    ['<answer>b</answer><think>a</think>', 0],
    ['<think>a</think><think>a</think><answer>b</answer>', 0],
    ['<think>a<answer>b</answer></think>', 0],
    ['<think>a</think>x<answer>b</answer>', 0],
    ['<think>a</think><answer> </answer>', 0],
  ])('strict %j -> %d', (c, s) => {
    expect(score('format.think_answer', c).score).toBe(s);
  });

  it('gives the reason for a failure', () => {
    expect(score('format.think_answer', '<think>a</think>x<answer>b</answer>').reason).toBe('text outside the sections before <answer>');
    expect(score('format.think_answer', '<think>a</think>').reason).toBe('expected sections <think> <answer>, found <think>');
    expect(score('format.think_answer', '<think></think><answer>b</answer>', { allow_empty_think: false }).reason).toBe('empty <think>');
  });

  it('lenient accepts text around the sections, in order', () => {
    expect(score('format.think_answer', 'Hi <think>a</think> so <answer>b</answer> bye', { mode: 'lenient' }).score).toBe(1);
    expect(score('format.think_answer', '<answer>b</answer><think>a</think>', { mode: 'lenient' }).score).toBe(0);
  });

  it('checks custom sequences (GRIT think/rethink/answer)', () => {
    const seq = { sequence: ['think', 'rethink', 'answer'] };
    expect(score('format.think_answer', '<think>a</think><rethink>b</rethink><answer>c</answer>', seq).score).toBe(1);
    expect(score('format.think_answer', '<think>a</think><answer>c</answer>', seq).score).toBe(0);
  });

  it('rejects bad params', () => {
    const def = getReward('format.think_answer');
    expect(def.params.safeParse({ sequence: ['a b'] }).success).toBe(false);
    expect(def.params.safeParse({ variant: 'r1' }).success).toBe(false);
  });
});

describe('format.grounded', () => {
  it('scores the GRIT grounded-region term and the structure term separately', () => {
    expect(score('format.grounded', '<think>cat at 1,2,3,4</think><answer>x</answer>').score).toBe(1);
    expect(score('format.grounded', '<think>cat at 1,2,3,4</think>').score).toBe(0.5);
    expect(score('format.grounded', '<think>cat</think><answer>x</answer>')).toMatchObject({ score: 0.5, reason: '0 box(es) in the reasoning, need 1' });
    expect(score('format.grounded', '<think>[1, 2, 3, 4] and (5,6),(7,8)</think><answer>x</answer>', { min_boxes: 2, box_pattern: 'any' }).score).toBe(1);
  });
});

describe('format.json and shapes', () => {
  it('validates shapes at load time', () => {
    expect(checkShape({ a: 'nope' })).toMatch(/unknown type "nope"/);
    expect(checkShape([['number'], 1])).toBeNull();
    expect(getReward('format.json').params.safeParse({ shape: { a: 'nope' } }).success).toBe(false);
  });

  it('reports the first mismatch with its path', () => {
    expect(matchShape({ objects: [{ bbox_2d: [1, 2, 3] }] }, { objects: [{ bbox_2d: 'bbox' }] })).toBe('$.objects[0].bbox_2d: expected a box [x1, y1, x2, y2]');
    expect(matchShape({}, { 'a?': 'number', b: 'string' })).toBe('$: missing key "b"');
    expect(score('format.json', '<answer>{"bbox_2d": [1, 2, 3]}</answer>', { shape: 'bbox_2d' }).reason).toMatch(/bbox_2d: expected a box/);
  });

  it('accepts both a single object and a list for bbox_2d', () => {
    expect(score('format.json', '<answer>{"bbox_2d": [1, 2, 3, 4]}</answer>', { shape: 'bbox_2d' }).score).toBe(1);
    expect(score('format.json', '<answer>[{"bbox_2d": [1, 2, 3, 4], "label": "a"}]</answer>', { shape: 'bbox_2d' }).score).toBe(1);
    expect(score('format.json', '<answer>[]</answer>', { shape: 'bbox_2d' }).score).toBe(0);
  });
});
