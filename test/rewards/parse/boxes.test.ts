import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBoxes, parsePoints } from '../../../rewards/parse/index.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).map((x) => (Object.is(x, -0) ? 0 : x));
const box4 = fc.tuple(finite, finite, finite, finite);
const int1000 = fc.integer({ min: 0, max: 1000 });

describe('parseBoxes conventions', () => {
  it('reads Qwen2.5-VL bbox_2d JSON with labels, in order', () => {
    const text = '<answer>```json\n[{"bbox_2d": [10, 20.5, 30, 40], "label": "cat"}, {"label": "dog", "bbox_2d": [1, 2, 3, 4]}]\n```</answer>';
    const r = parseBoxes(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((b) => [b.bbox, b.label, b.via])).toEqual([
      [[10, 20.5, 30, 40], 'cat', 'bbox_2d'],
      [[1, 2, 3, 4], 'dog', 'bbox_2d'],
    ]);
    expect(text.slice(r.value[0]!.start, r.value[0]!.end)).toBe('[10, 20.5, 30, 40]');
  });

  it('reads Visual-RFT Position/Confidence with single quotes, up to a truncation', () => {
    const r = parseBoxes("[{'Position': [254, 303, 291, 365], 'Confidence': 0.9}, {'Position': [1, 2, 3, 4], 'Confidence': 0.25}, {'Position': [5, 6");
    expect(r.ok && r.value.map((b) => [b.bbox, b.confidence, b.via])).toEqual([
      [[254, 303, 291, 365], 0.9, 'position'],
      [[1, 2, 3, 4], 0.25, 'position'],
    ]);
  });

  it('reads Qwen2-VL box tokens with their object reference', () => {
    const text = 'It is <|object_ref_start|>the dog<|object_ref_end|><|box_start|>(100,200),(300,400)<|box_end|>.';
    const r = parseBoxes(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const b = r.value[0]!;
    expect([b.bbox, b.label, b.via]).toEqual([[100, 200, 300, 400], 'the dog', 'qwen2_box']);
    expect(text.slice(b.start, b.end)).toBe('<|box_start|>(100,200),(300,400)<|box_end|>');
  });

  it('reads bare lists and pairs', () => {
    const r = parseBoxes('first [1, 2, 3, 4] then (5, 6), (7, 8) and [ -1.5 ,2e2, 3 , 4 ]');
    expect(r.ok && r.value.map((b) => [b.bbox, b.via])).toEqual([
      [[1, 2, 3, 4], 'list'],
      [[5, 6, 7, 8], 'pair'],
      [[-1.5, 200, 3, 4], 'list'],
    ]);
  });

  it('keeps inverted and negative boxes as written', () => {
    const r = parseBoxes('[300, 400, 100, 200] [-5, -6, -1, -2]');
    expect(r.ok && r.value.map((b) => b.bbox)).toEqual([
      [300, 400, 100, 200],
      [-5, -6, -1, -2],
    ]);
  });

  it('says why it found nothing', () => {
    expect(parseBoxes('')).toEqual({ ok: false, reason: 'empty text' });
    expect(parseBoxes('no boxes here')).toEqual({ ok: false, reason: 'no box' });
    expect(parseBoxes('{"bbox_2d": [1, 2, 3]}')).toEqual({ ok: false, reason: 'bbox_2d has 3 numbers' });
    expect(parseBoxes('{"bbox_2d": [1, 2, 3, 4, 5]}')).toEqual({ ok: false, reason: 'bbox_2d has 5 numbers' });
    expect(parseBoxes('{"bbox_2d": [1, 2,')).toEqual({ ok: false, reason: 'bbox_2d list is truncated' });
    expect(parseBoxes('[1e999, 2, 3, 4]')).toEqual({ ok: false, reason: '1 box(es) with a non-finite number' });
    expect(parseBoxes('[NaN, 2, 3, 4]').ok).toBe(false);
  });

  it('integersOnly follows VLM-R1: \\[(\\d+),\\s*(\\d+),\\s*(\\d+),\\s*(\\d+)\\]', () => {
    expect(parseBoxes('[1.5, 2, 3, 4]', { integersOnly: true }).ok).toBe(false);
    expect(parseBoxes('[ 1, 2, 3, 4]', { integersOnly: true }).ok).toBe(false);
    expect(parseBoxes('[-1, 2, 3, 4]', { integersOnly: true }).ok).toBe(false);
    const r = parseBoxes('{"bbox_2d": [1,2,  3,4]} [5, 6, 7, 8]', { integersOnly: true });
    expect(r.ok && r.value.map((b) => b.bbox)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });
});

describe('parseBoxes round trips', () => {
  it('bbox_2d JSON written by JSON.stringify', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ bbox_2d: box4, label: fc.string({ maxLength: 10 }).filter((s) => !/["'\\\n{}]/.test(s)) }), { minLength: 1, maxLength: 5 }), (objs) => {
        const text = `<answer>${JSON.stringify(objs)}</answer>`;
        const r = parseBoxes(text);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.map((b) => b.bbox)).toEqual(objs.map((o) => o.bbox_2d));
        expect(r.value.map((b) => b.label)).toEqual(objs.map((o) => o.label));
        for (const b of r.value) expect(parseBoxes(text.slice(b.start, b.end)).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('pairs and Qwen2-VL tokens written with String()', () => {
    fc.assert(
      fc.property(box4, fc.boolean(), ([a, b, c, d], tokens) => {
        const body = `(${a},${b}),(${c},${d})`;
        const r = parseBoxes(tokens ? `<|box_start|>${body}<|box_end|>` : `see ${body}.`);
        expect(r.ok && r.value[0]!.bbox).toEqual([a, b, c, d]);
        expect(r.ok && r.value[0]!.via).toBe(tokens ? 'qwen2_box' : 'pair');
      }),
      { numRuns: 200 },
    );
  });

  it('integer boxes in the VLM-R1 pattern', () => {
    fc.assert(
      fc.property(fc.tuple(int1000, int1000, int1000, int1000), (bx) => {
        const r = parseBoxes(`<answer>{"bbox": [${bx.join(', ')}]}</answer>`, { integersOnly: true });
        expect(r.ok && r.value[0]!.bbox).toEqual(bx);
      }),
      { numRuns: 100 },
    );
  });
});

describe('parsePoints', () => {
  it('reads point_2d, Molmo points, lists and tuples, not the corners of a pair box', () => {
    const r = parsePoints('{"point_2d": [10, 20], "label": "cup"} (3, 4) <point x="1.5" y="2" alt="mug">mug</point> box (1,2),(3,4)');
    expect(r.ok && r.value.map((p) => [p.point, p.via, p.label])).toEqual([
      [[10, 20], 'point_2d', 'cup'],
      [[3, 4], 'tuple', undefined],
      [[1.5, 2], 'molmo', 'mug'],
    ]);
  });

  it('round-trips point_2d JSON', () => {
    const fin = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
    fc.assert(
      fc.property(fc.tuple(fin, fin), (p) => {
        const r = parsePoints(JSON.stringify([{ point_2d: p }]));
        expect(r.ok && r.value[0]!.point).toEqual(p);
      }),
      { numRuns: 100 },
    );
  });

  it('misses with a reason', () => {
    expect(parsePoints('nothing')).toEqual({ ok: false, reason: 'no point' });
  });
});
