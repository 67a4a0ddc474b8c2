import { describe, expect, it } from 'vitest';
import { resolveModel } from '../../../src/eval/models/index.js';
import { composeCoords } from '../../../src/eval/runner.js';
import { createCoordinateMap } from '../../../modalities/coords.js';

describe('glimpse policies in glimpse eval', () => {
  it('runs glimpse-tiny as an eval model and reports the map from the sent image to its input', async () => {
    const m = await resolveModel('glimpse-tiny', undefined);
    const img = { width: 100, height: 60, data: new Uint8Array(100 * 60 * 3).fill(128) };
    const [g] = await m.generate([{ id: 'a', prompt: 'Find it.', images: [img] }], { temperature: 0, maxTokens: 4 });
    expect(g!.error).toBeUndefined();
    expect(typeof g!.text).toBe('string');
    expect(g!.coords?.original).toEqual([100, 60]);
    expect(g!.coords?.input?.[0]! % 28).toBe(0);
    await m.close?.();
  }, 60_000);

  it('composes the preparation map (original -> sent) with the model map (sent -> input)', () => {
    const c = composeCoords({ original: [1000, 500], input: [500, 250], space: 'pixel' }, { original: [500, 250], input: [224, 112], space: 'pixel' });
    const map = createCoordinateMap(c);
    expect(map.toOriginal([224, 112])).toEqual([1000, 500]);
    expect(map.toOriginal([112, 56])).toEqual([500, 250]);
    // a crop prepared from the original keeps its region
    const r = composeCoords({ original: [1000, 1000], input: [100, 100], region: [200, 300, 400, 500] }, { original: [100, 100], input: [56, 56] });
    expect(createCoordinateMap(r).toOriginal([0, 0])).toEqual([200, 300]);
    expect(createCoordinateMap(r).toOriginal([56, 56])).toEqual([400, 500]);
    // sizes that do not chain: the model's own map is kept
    expect(composeCoords({ original: [10, 10], input: [5, 5] }, { original: [7, 7], input: [28, 28] })).toEqual({ original: [7, 7], input: [28, 28] });
  });
});
