import { describe, expect, it } from 'vitest';
import { parseSample } from '../../data/schema.js';

describe('Sample schema', () => {
  it('accepts the ground-truth vocabulary and defaults media to []', () => {
    const r = parseSample({
      id: 'a',
      prompt: 'find it',
      answer: {
        bbox: [1, 2, 3, 4],
        boxes: [{ bbox: [0, 0, 1, 1], label: 'cat' }],
        point: [5, 6],
        span: [1.5, 3],
        tube: { frames: { '3': [0, 0, 2, 2] } },
        box3d: { center: [0, 0, 0], size: [1, 1, 1], yaw: 0.3 },
        choice: 'B',
        number: 3.5,
        text: 'red',
        label: 'trend',
      },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.sample.media).toEqual([]);
  });

  it('explains what is wrong with a bad record', () => {
    const r = parseSample({ id: '', prompt: 1, answer: { bbox: [1, 2, 3] } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatch(/id/);
      expect(r.error).toMatch(/prompt/);
      expect(r.error).toMatch(/answer\.bbox/);
    }
  });

  it('rejects NaN/Infinity in ground truth, media without path or data, and two-sided tubes', () => {
    expect(parseSample({ id: 'x', prompt: '', answer: { bbox: [0, 0, NaN, 1] } }).ok).toBe(false);
    expect(parseSample({ id: 'x', prompt: '', answer: { number: Infinity } }).ok).toBe(false);
    expect(parseSample({ id: 'x', prompt: '', media: [{ kind: 'image' }], answer: {} }).ok).toBe(false);
    expect(parseSample({ id: 'x', prompt: '', answer: { tube: { frames: {}, times: {} } } }).ok).toBe(false);
    expect(parseSample(null).ok).toBe(false);
    expect(parseSample('x'.repeat(1e6)).ok).toBe(false);
  });
});
