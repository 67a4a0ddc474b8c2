import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_MEMORY, compositorModuleBytes, fillBackground, simdCompositor } from '../../../modalities/svg/composite-simd.js';
import { composite, rasterizeSvg } from '../../../modalities/svg/raster.js';

const NS = 'xmlns="http://www.w3.org/2000/svg"';

describe('SIMD compositor', () => {
  it('assembles a valid WebAssembly module, and Node 20 runs it', () => {
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(wasm.validate(compositorModuleBytes())).toBe(true);
    expect(simdCompositor).toBeDefined();
  });

  it('gives the JavaScript loop\'s bytes for any render, placement, background and row layout', () => {
    const geometry = fc
      .record({ width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 12 }), extra: fc.integer({ min: 0, max: 3 }), lead: fc.constantFrom(0, 1) })
      .chain((g) =>
        fc.record({
          g: fc.constant(g),
          rw: fc.integer({ min: 0, max: g.width }),
          rh: fc.integer({ min: 0, max: g.height }),
          ox: fc.integer({ min: 0, max: g.width }),
          oy: fc.integer({ min: 0, max: g.height }),
          bg: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
          noise: fc.uint8Array({ minLength: 43 * 12 * 4, maxLength: 43 * 12 * 4 }),
        }),
      );
    let compared = 0;
    fc.assert(
      fc.property(geometry, ({ g, rw, rh, ox, oy, bg, noise }) => {
        const { width, height, lead } = g;
        rw = Math.min(rw, width - Math.min(ox, width));
        rh = Math.min(rh, height - Math.min(oy, height));
        ox = Math.min(ox, width - rw);
        oy = Math.min(oy, height - rh);
        const srcWidth = rw + g.extra;
        // mostly valid premultiplied pixels, with some transparent, opaque, colour-above-alpha
        // and alpha-0-with-colour ones (resvg gives a few of the third kind)
        const rgba = new Uint8Array(srcWidth * rh * 4);
        for (let p = 0; p < srcWidth * rh; p++) {
          const k = noise[p * 4]! % 8;
          const a = k === 0 ? 0 : k === 1 ? 255 : noise[p * 4 + 3]!;
          rgba[p * 4 + 3] = a;
          for (let c = 0; c < 3; c++) rgba[p * 4 + c] = k === 2 ? noise[p * 4 + c]! : k === 0 ? 0 : Math.min(a, noise[p * 4 + c]!);
        }
        const stride = width * 3 + lead;
        const want = new Uint8Array(stride * height);
        const src = { rgba, width: srcWidth, rw, rh, ox, oy };
        const wantInk = composite(src, want, stride, lead, width, height, bg);
        const got = simdCompositor!.composite(src, stride, lead, width, height, bg);
        if (!got) return; // a render a few pixels wide: the caller's JavaScript loop
        compared++;
        expect(got.ink).toBe(wantInk);
        expect(Buffer.from(got.rows).equals(Buffer.from(want))).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(compared).toBeGreaterThan(200);
  });

  it('leaves tiny and huge renders to the JavaScript loop, and handles empty ones', () => {
    const rgba = new Uint8Array([0, 0, 0, 255]);
    expect(simdCompositor!.composite({ rgba, width: 1, rw: 1, rh: 1, ox: 0, oy: 0 }, 4, 1, 1, 1, [255, 255, 255])).toBeUndefined();
    const side = Math.ceil(Math.sqrt(MAX_MEMORY / 7)); // 4 bytes in + 3 out a pixel: over the limit
    const big = { rgba: new Uint8Array(side * side * 4), width: side, rw: side, rh: side, ox: 0, oy: 0 };
    expect(simdCompositor!.composite(big, side * 3, 0, side, side, [255, 255, 255])).toBeUndefined();
    const none = simdCompositor!.composite({ rgba, width: 1, rw: 0, rh: 0, ox: 0, oy: 0 }, 30, 0, 10, 2, [1, 2, 3])!;
    expect(none.ink).toBe(false);
    expect(Array.from(none.rows.subarray(0, 6))).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('fills the background and zeroes the lead bytes', () => {
    const out = new Uint8Array(2 * 7).fill(9);
    fillBackground(out, 7, 1, 2, 2, [10, 20, 30]);
    expect(Array.from(out)).toEqual([0, 10, 20, 30, 10, 20, 30, 0, 10, 20, 30, 10, 20, 30]);
    fillBackground(out, 7, 1, 2, 2, [5, 5, 5]);
    expect(Array.from(out)).toEqual([0, 5, 5, 5, 5, 5, 5, 0, 5, 5, 5, 5, 5, 5]);
  });

  it('renders through it: an SVG as RGB and as PNG scanlines, the same pixels both ways', () => {
    const svg = `<svg ${NS} width="90" height="30"><rect width="90" height="30" fill="teal" fill-opacity="0.5"/><circle cx="15" cy="15" r="10" fill="orange"/></svg>`;
    const a = rasterizeSvg(svg, { width: 101, height: 64, background: '#203040' });
    const b = rasterizeSvg(svg, { width: 101, height: 64, background: '#203040', png: true });
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    const at = (x: number, y: number) => Array.from(a.data.subarray((y * 101 + x) * 3, (y * 101 + x) * 3 + 3));
    expect(at(50, 2)).toEqual([32, 48, 64]); // the bar above the letterboxed drawing
    expect(at(16, 32)).toEqual([255, 165, 0]);
  });
});
