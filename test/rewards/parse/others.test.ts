import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractTag, parseBoxes3D, parseChoice, parseLenientJson, parseNumber, parseSpan, sections } from '../../../rewards/parse/index.js';

describe('extractTag and sections', () => {
  it('returns the inner text and its offsets, first or last occurrence', () => {
    const t = '<answer>A</answer> then <answer>B</answer>';
    expect(extractTag(t, 'answer')).toEqual({ ok: true, value: 'A', start: 8, end: 9, via: 'tag' });
    const last = extractTag(t, 'answer', { occurrence: 'last' });
    expect(last.ok && [last.value, t.slice(last.start, last.end)]).toEqual(['B', 'B']);
    expect(extractTag('<think>\n\n</think>', 'think')).toMatchObject({ ok: true, value: '\n\n' });
  });

  it('says whether the tag is missing or unclosed', () => {
    expect(extractTag('x', 'answer')).toEqual({ ok: false, reason: 'no <answer> tag' });
    expect(extractTag('<answer>x', 'answer')).toEqual({ ok: false, reason: 'unclosed <answer> tag' });
  });

  it('sections finds the order and rejects nesting, strays and unclosed tags', () => {
    const r = sections('<think>a</think> <answer>b</answer>', ['think', 'answer']);
    expect(r.ok && r.value.map((s) => s.name)).toEqual(['think', 'answer']);
    expect(sections('<think><answer>b</answer></think>', ['think', 'answer'])).toEqual({ ok: false, reason: '<answer> inside <think>' });
    expect(sections('</answer>', ['think', 'answer'])).toEqual({ ok: false, reason: 'stray </answer>' });
    expect(sections('<think>a', ['think', 'answer'])).toEqual({ ok: false, reason: 'unclosed <think> tag' });
  });

  it('round-trips any tag content without the closing tag in it', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('</answer>')), fc.string(), (inner, before) => {
        const pre = before.replace(/<answer>/g, '');
        const r = extractTag(`${pre}<answer>${inner}</answer>`, 'answer');
        expect(r.ok && r.value).toBe(inner);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseSpan', () => {
  it.each([
    ['12.5 - 20.1 seconds', [12.5, 20.1], 'range'],
    ['The event is from 12.5s to 20.1s.', [12.5, 20.1], 'range'],
    ['[12.5, 20.1]', [12.5, 20.1], 'list'],
    ['00:12–00:20', [12, 20], 'timestamp'],
    ['1:02:03.5 - 1:02:10', [3723.5, 3730], 'timestamp'],
    ['{"start": 3, "end": 7.5}', [3, 7.5], 'keyed'],
    ['between 4 and 9 seconds', [4, 9], 'range'],
  ])('%s', (text, value, via) => {
    expect(parseSpan(text)).toMatchObject({ ok: true, value, via });
  });

  it('misses with a reason', () => {
    expect(parseSpan('no time here').ok).toBe(false);
    expect(parseSpan('')).toEqual({ ok: false, reason: 'empty text' });
  });

  it('round-trips spans written as "a - b seconds" and [a, b]', () => {
    const sec = fc.double({ min: 0, max: 1e5, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    fc.assert(
      fc.property(sec, sec, fc.boolean(), (a, b, list) => {
        const r = parseSpan(list ? `[${a}, ${b}]` : `${a} - ${b} seconds`);
        expect(r.ok && r.value).toEqual([a, b]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseBoxes3D', () => {
  it('reads centre/size objects, bbox_3d lists and bare 6/7-number lists', () => {
    const r = parseBoxes3D('{"center": [1, 2, 3], "size": [4, 5, 6], "yaw": 0.5, "label": "chair"} {"bbox_3d": [0, 0, 0, 1, 1, 1, 0, 0, 0.3]} [1, 2, 3, 4, 5, 6]');
    expect(r.ok && r.value.map((b) => [b.center, b.size, b.yaw, b.label, b.via])).toEqual([
      [[1, 2, 3], [4, 5, 6], 0.5, 'chair', 'center_size'],
      [[0, 0, 0], [1, 1, 1], 0.3, undefined, 'bbox_3d'],
      [[1, 2, 3], [4, 5, 6], undefined, undefined, 'list'],
    ]);
  });

  it('round-trips JSON.stringify of Box3D', () => {
    const f = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => (Object.is(x, -0) ? 0 : x));
    fc.assert(
      fc.property(fc.tuple(f, f, f), fc.tuple(f, f, f), f, (center, size, yaw) => {
        const r = parseBoxes3D(JSON.stringify({ center, size, yaw }));
        expect(r.ok && r.value[0]).toMatchObject({ center, size, yaw });
      }),
      { numRuns: 100 },
    );
  });

  it('misses with a reason', () => {
    expect(parseBoxes3D('[1, 2, 3, 4]').ok).toBe(false);
  });
});

describe('parseChoice', () => {
  it.each([
    ['B', 'B', 'whole'],
    ['(c)', 'C', 'whole'],
    ['D. the red one', 'D', 'whole'],
    ['The answer is C.', 'C', 'answer_is'],
    ['Answer: (b)', 'B', 'answer_is'],
    ['\\boxed{E}', 'E', 'boxed'],
    ['I think (C) is right', 'C', 'paren'],
    ['A dog sits left, so the option is D', 'D', 'marked'],
  ])('%s -> %s', (text, letter, via) => {
    expect(parseChoice(text)).toMatchObject({ ok: true, value: letter, via });
  });

  it('does not read the article "a"/"A" as an option', () => {
    expect(parseChoice('a cat').ok).toBe(false);
    expect(parseChoice('A cat on a mat').ok).toBe(false);
  });

  it('honours the letters option', () => {
    expect(parseChoice('G', { letters: 'ABCDEFGH' })).toMatchObject({ ok: true, value: 'G' });
    expect(parseChoice('G').ok).toBe(false);
  });

  it('finds every letter in every common form', () => {
    fc.assert(
      fc.property(fc.constantFrom(...'ABCDEF'), fc.constantFrom('X', '(X)', 'The answer is X.', '\\boxed{X}', 'answer: X', 'X) because'), (letter, form) => {
        expect(parseChoice(form.replace('X', letter))).toMatchObject({ ok: true, value: letter });
      }),
    );
  });
});

describe('parseNumber', () => {
  it.each([
    ['\\boxed{\\frac{3}{4}}', 0.75, 'boxed/fraction'],
    ['The answer is $1,234.5 total', 1234.5, 'answer_is/number'],
    ['3/4', 0.75, 'only/fraction'],
    ['50%', 50, 'only/percent'],
    ['x = 3, so y = 5', 5, 'last/number'],
    ['12 cm', 12, 'only/number'],
    ['−7', -7, 'only/number'],
    ['1.5e3', 1500, 'only/number'],
  ])('%s -> %s', (text, value, via) => {
    expect(parseNumber(text)).toEqual(expect.objectContaining({ ok: true, value, via }));
  });

  it('misses on no number, an empty box and division by zero', () => {
    expect(parseNumber('none').ok).toBe(false);
    expect(parseNumber('\\boxed{}').ok).toBe(false);
    expect(parseNumber('1/0').ok).toBe(false);
  });

  it('round-trips String(x) for finite numbers, plain and boxed', () => {
    const f = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    fc.assert(
      fc.property(f, fc.boolean(), (x, boxed) => {
        const r = parseNumber(boxed ? `so \\boxed{${x}}` : String(x));
        expect(r.ok && r.value).toBe(x);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseLenientJson', () => {
  it('parses strict JSON inside prose and code fences', () => {
    expect(parseLenientJson('Here:\n```json\n{"a": [1, 2]}\n```')).toMatchObject({ ok: true, value: { a: [1, 2] }, via: 'json' });
  });

  it('repairs single quotes, Python literals, trailing commas and truncation', () => {
    expect(parseLenientJson("[{'Position': [1, 2, 3, 4], 'Confidence': 0.9, 'ok': True, 'x': None,}, {'Position': [5, 6")).toMatchObject({
      ok: true,
      value: [{ Position: [1, 2, 3, 4], Confidence: 0.9, ok: true, x: null }, { Position: [5, 6] }],
      via: 'repaired',
    });
    expect(parseLenientJson('{"a": 1, "b')).toMatchObject({ ok: true, value: { a: 1 } });
    expect(parseLenientJson('{"a": "it\'s"')).toMatchObject({ ok: true, value: { a: "it's" } });
  });

  it('round-trips JSON.stringify of arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue())), (v) => {
        const r = parseLenientJson(`answer: ${JSON.stringify(v)}`);
        expect(r.ok && r.value).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });

  it('misses when there is no JSON', () => {
    expect(parseLenientJson('plain words')).toEqual({ ok: false, reason: 'no JSON object or array' });
  });
});
