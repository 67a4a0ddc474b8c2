import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import '../../../rewards/index.js';
import { compilePipeline } from '../../../rewards/compose.js';
import { DrawingShapesParams, scoreDrawing, shapeFromFill } from '../../../rewards/drawing/index.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/index.js';
import { HOSTILE_COMPLETIONS } from '../hostile.js';

afterAll(async () => {
  await closeDefaultSvgPool();
});

const P = DrawingShapesParams.parse({});
const TOP_LEFT: { bbox: [number, number, number, number]; color: string; shape: string } = { bbox: [0, 0, 80, 80], color: '#1e88e5', shape: 'circle' };
const svg = (body: string, vb = '0 0 240 240') => `<think></think><answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="${vb}">${body}</svg></answer>`;

describe('drawing.shapes', () => {
  it('gives 1 to the asked shape in the asked colour inside the region', async () => {
    const r = await scoreDrawing(svg('<circle cx="40" cy="40" r="25" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    expect(r.score).toBe(1);
    expect(r.details?.shape).toBe('circle');
  });

  it('tells squares, discs and triangles apart by fill ratio', async () => {
    expect(shapeFromFill(1)).toBe('square');
    expect(shapeFromFill(Math.PI / 4)).toBe('circle');
    expect(shapeFromFill(0.5)).toBe('triangle');
    const sq = await scoreDrawing(svg('<rect x="15" y="15" width="50" height="50" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    const tri = await scoreDrawing(svg('<polygon points="40,15 65,65 15,65" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    expect(sq.details?.shape).toBe('square');
    expect(tri.details?.shape).toBe('triangle');
    expect(sq.score).toBeCloseTo(0.5, 6);
    expect(tri.score).toBeCloseTo(0.5, 6);
    const noShape = await scoreDrawing(svg('<rect x="15" y="15" width="50" height="50" fill="#1e88e5"/>'), { answer: TOP_LEFT }, { ...P, shape_weight: 0 });
    expect(noShape.score).toBe(1);
  });

  it('scores the wrong place, the wrong colour and a tiny shape lower', async () => {
    const far = await scoreDrawing(svg('<circle cx="200" cy="200" r="25" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    const red = await scoreDrawing(svg('<circle cx="40" cy="40" r="25" fill="#e53935"/>'), { answer: TOP_LEFT }, P);
    const tiny = await scoreDrawing(svg('<circle cx="40" cy="40" r="6" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    const half = await scoreDrawing(svg('<circle cx="80" cy="40" r="25" fill="#1e88e5"/>'), { answer: TOP_LEFT }, P);
    expect(far.score).toBe(0);
    expect(red.score).toBe(0);
    expect(red.reason).toMatch(/nothing is drawn/);
    expect(tiny.score!).toBeLessThan(0.5);
    expect(half.score!).toBeGreaterThan(0.2);
    expect(half.score!).toBeLessThan(0.8);
  });

  it('maps the region through the SVG placement (another viewBox, a non-square canvas)', async () => {
    // the same drawing in a viewBox twice as large, with the region scaled alike
    const r = await scoreDrawing(svg('<circle cx="80" cy="80" r="50" fill="blue"/>', '0 0 480 480'), { answer: { bbox: [0, 0, 160, 160], color: 'blue' } }, P);
    expect(r.score).toBe(1);
    const wide = await scoreDrawing(svg('<rect x="420" y="10" width="60" height="60" fill="blue"/>', '0 0 480 240'), { answer: { bbox: [400, 0, 480, 80], color: 'blue', shape: 'square' } }, P);
    expect(wide.score).toBe(1);
  });

  it('is null without a region or colour, and 0 for hostile SVG, never throwing', async () => {
    expect((await scoreDrawing(svg('<circle cx="40" cy="40" r="25" fill="blue"/>'), { answer: { bbox: [0, 0, 80, 80] } }, P)).score).toBeNull();
    expect((await scoreDrawing('x', { answer: { color: 'blue' } }, P)).score).toBeNull();
    expect((await scoreDrawing('x', { answer: { bbox: [80, 0, 0, 80], color: 'blue' } }, P)).score).toBeNull();
    expect((await scoreDrawing('x', { answer: { bbox: [0, 0, 80, 80], color: 'no-such-colour' } }, P)).score).toBeNull();
    expect((await scoreDrawing('x', null, P)).score).toBeNull();
    const hostile = [
      svg('<script>while(1){}</script><circle cx="40" cy="40" r="25" fill="#1e88e5"/>'),
      svg('<image href="file:///etc/passwd" width="100" height="100"/>'),
      '<answer><svg xmlns="http://www.w3.org/2000/svg" width="1e9" height="1e9"><rect width="1e9" height="1e9" fill="#1e88e5"/></svg></answer>',
      '<answer><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 10"><rect width="5" height="5"/></svg></answer>',
      `<answer><svg xmlns="http://www.w3.org/2000/svg">${'<g>'.repeat(5000)}</svg></answer>`,
      '<answer><svg><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><text>&b;</text></svg></answer>',
      '<answer><svg',
      ...HOSTILE_COMPLETIONS.filter(([, c]) => c.length < 10_000).map(([, c]) => c),
    ];
    for (const c of hostile) {
      const r = await scoreDrawing(c, { answer: TOP_LEFT }, P);
      expect(r.score).not.toBeNull();
      expect(r.score!).toBeGreaterThanOrEqual(0);
      expect(r.score!).toBeLessThanOrEqual(1);
    }
    expect((await scoreDrawing(42 as unknown as string, { answer: TOP_LEFT }, P)).score).toBe(0);
  }, 60_000);

  it('stays in [0, 1] for random rectangles (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -50, max: 250 }), fc.integer({ min: -50, max: 250 }), fc.integer({ min: 1, max: 200 }), async (x, y, w) => {
        const r = await scoreDrawing(svg(`<rect x="${x}" y="${y}" width="${w}" height="${w}" fill="#1e88e5"/>`), { answer: TOP_LEFT }, P);
        return r.score !== null && r.score >= 0 && r.score <= 1;
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it('runs as an async pipeline entry and rejects bad params', async () => {
    const p = compilePipeline({ rewards: [{ name: 'drawing.shapes' }] }, { source: 'test' });
    expect(p.isAsync).toBe(true);
    const r = await p.score({ completion: svg('<circle cx="40" cy="40" r="25" fill="#1e88e5"/>'), sample: { id: 'a', prompt: '', media: [], answer: TOP_LEFT } });
    expect(r.components['drawing.shapes']).toBe(1);
    expect(() => compilePipeline({ rewards: [{ name: 'drawing.shapes', params: { tolerance: -1 } }] }, { source: 'test' })).toThrow(/tolerance/);
    expect(() => compilePipeline({ rewards: [{ name: 'drawing.shapes', params: { min_cover: 0 } }] }, { source: 'test' })).toThrow(/min_cover/);
  });
});
