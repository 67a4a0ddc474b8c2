import { describe, expect, it } from 'vitest';
import { parseRewardRecord } from '../../rewards/record.js';

const sample = { id: 's1', prompt: 'p', media: [], answer: { bbox: [1, 2, 3, 4] } };

describe('parseRewardRecord', () => {
  it('accepts a full record and builds the coordinate map from coords', () => {
    const r = parseRewardRecord({ id: 7, completion: 'x', sample, coords: { image_size: [1280, 960], input_size: [644, 476] } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.id).toBe('7');
    expect(r.input.completion).toBe('x');
    expect(r.input.sample.answer.bbox).toEqual([1, 2, 3, 4]);
    expect(r.input.coords?.space).toBe('pixel');
    const b = r.input.coords!.boxToOriginal([644, 476, 644, 476]);
    expect(b[0]).toBeCloseTo(1280);
    expect(b[1]).toBeCloseTo(960);
  });

  it('fills a missing sample id and prompt', () => {
    const r = parseRewardRecord({ id: 'r1', completion: '', sample: { answer: { choice: 'B' } } });
    expect(r.ok && [r.input.sample.id, r.input.sample.prompt, r.input.sample.media]).toEqual(['r1', '', []]);
    expect(parseRewardRecord({ completion: '', sample: { answer: {} } })).toMatchObject({ ok: true });
  });

  it('honours coords.space', () => {
    const r = parseRewardRecord({ completion: '', sample, coords: { image_size: [2000, 1000], space: 'norm1000' } });
    expect(r.ok && r.input.coords!.boxToOriginal([500, 500, 1000, 1000])).toEqual([1000, 500, 2000, 1000]);
  });

  it.each([
    [null, /expected an object/],
    [[1], /got an array/],
    ['text', /got string/],
    [{ sample }, /completion: missing/],
    [{ completion: 5, sample }, /completion: must be a string, got number/],
    [{ completion: 'x' }, /sample: missing/],
    [{ completion: 'x', sample: [] }, /sample: must be an object/],
    [{ completion: 'x', sample: { answer: { bbox: [1, 2, 3] } } }, /sample: answer\.bbox/],
    [{ completion: 'x', sample: { answer: { bbox: [1, 2, 3, NaN] } } }, /sample: answer\.bbox/],
    [{ completion: 'x', sample: { media: 'no', answer: {} } }, /sample: media/],
    [{ completion: 'x', sample, coords: { image_size: [0, 10] } }, /coords: image_size/],
    [{ completion: 'x', sample, coords: { image_size: [10, 10], extra: 1 } }, /coords: /],
    [{ completion: 'x', sample, coords: { image_size: [10, 10], region: [5, 5, 1, 1] } }, /coords: .*region/],
    [{ id: { a: 1 }, completion: 'x', sample }, /id: must be a string or a number/],
  ])('rejects %j with a named field', (value, error) => {
    const r = parseRewardRecord(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});
