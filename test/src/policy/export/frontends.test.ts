/**
 * Properties: the in-graph front-ends compute, for random inputs, exactly the tables and masks that
 * glimpse computes on the host (rope.ts) — vision rotary + block/window masks from random grids,
 * M-RoPE from random 3-D positions, the causal mask from random padding and cache lengths.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';
import { causalMaskFrontEnd, mropeFrontEnd, visionFrontEnd } from '../../../../src/policy/export/frontends.js';
import { decoderMask, mropeTables, visionMasks, visionRotary, type Grid } from '../../../../src/policy/model/rope.js';
import { microConfig } from '../model/micro.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= tol)) return false;
  return true;
}

describe('in-graph front-ends equal the host tables', () => {
  for (const modelType of ['qwen2_vl', 'qwen2_5_vl'] as const) {
    it(`vision rotary and masks from grid_thw (${modelType})`, async () => {
      const cfg = microConfig({ modelType });
      const K = 3 * 2 * 14 * 14;
      const g = new GraphBuilder({ name: 'fe' });
      const pv = g.input('pixel_values', 'float32', ['patches', K]);
      const grid = g.input('grid', 'int64', ['n', 3]);
      const fe = visionFrontEnd(g, cfg, pv, grid);
      g.output('cos', fe.cos);
      g.output('sin', fe.sin);
      g.output('mask', fe.mask);
      if (fe.windowMask) g.output('window', fe.windowMask);
      const s = await ort.InferenceSession.create(g.toBytes());
      const even = fc.integer({ min: 1, max: 5 }).map((x) => 2 * x);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1, max: 2 }), even, even), { minLength: 1, maxLength: 3 }), async (grids) => {
          const gs = grids as Grid[];
          const patches = gs.reduce((a, [t, h, w]) => a + t * h * w, 0);
          const r = await s.run({
            pixel_values: new ort.Tensor('float32', new Float32Array(patches * K), [patches, K]),
            grid: new ort.Tensor('int64', BigInt64Array.from(gs.flat().map(BigInt)), [gs.length, 3]),
          });
          const host = visionRotary(cfg, gs);
          const masks = visionMasks(cfg, gs);
          expect(close(r.cos!.data as Float32Array, host.cos, 1e-5)).toBe(true);
          expect(close(r.sin!.data as Float32Array, host.sin, 1e-5)).toBe(true);
          expect(Array.from(r.mask!.data as Float32Array)).toEqual(Array.from(masks.full));
          if (masks.window) expect(Array.from(r.window!.data as Float32Array)).toEqual(Array.from(masks.window));
        }),
        { numRuns: 25 },
      );
    });
  }

  it('M-RoPE cos/sin from position_ids', async () => {
    const cfg = microConfig();
    const g = new GraphBuilder({ name: 'mrope' });
    const pos = g.input('position_ids', 'int64', [3, 'batch', 'seq']);
    const t = mropeFrontEnd(g, cfg, pos);
    g.output('cos', t.cos);
    g.output('sin', t.sin);
    const s = await ort.InferenceSession.create(g.toBytes());
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 1_000_000 }), async (B, S, seed) => {
        const ids = Int32Array.from({ length: 3 * B * S }, (_, i) => ((seed + i * 7919) % 500));
        const r = await s.run({ position_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (x) => BigInt(x)), [3, B, S]) });
        const host = mropeTables(cfg, ids, B, S);
        // float32 angles in-graph vs float64 on the host: |Δ| grows with the angle (≤ 500 rad here)
        expect(close(r.cos!.data as Float32Array, host.cos, 1e-4)).toBe(true);
        expect(close(r.sin!.data as Float32Array, host.sin, 1e-4)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('causal mask from attention_mask (padding anywhere, any cache length)', async () => {
    const g = new GraphBuilder({ name: 'mask' });
    const hidden = g.input('inputs_embeds', 'float32', ['batch', 'seq', 4]);
    const am = g.input('attention_mask', 'int64', ['batch', 'total']);
    g.output('mask', causalMaskFrontEnd(g, am, hidden));
    const s = await ort.InferenceSession.create(g.toBytes());
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.boolean(), { minLength: 36, maxLength: 36 }), async (B, S, past, bits) => {
        const T = past + S;
        const keys = Uint8Array.from({ length: B * T }, (_, i) => (bits[i % bits.length] ? 1 : 0));
        const r = await s.run({
          inputs_embeds: new ort.Tensor('float32', new Float32Array(B * S * 4), [B, S, 4]),
          attention_mask: new ort.Tensor('int64', BigInt64Array.from(keys, (x) => BigInt(x)), [B, T]),
        });
        expect(r.mask!.dims).toEqual([B, 1, 1, S, T]);
        expect(Array.from(r.mask!.data as Float32Array)).toEqual(Array.from(decoderMask(B, S, past, keys)));
      }),
      { numRuns: 30 },
    );
  });
});
