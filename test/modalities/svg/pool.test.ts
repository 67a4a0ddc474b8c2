import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SvgRenderPool, execArgvWithoutLoaders } from '../../../modalities/svg/pool.js';
import { rasterizeSvg } from '../../../modalities/svg/raster.js';
import { renderSvg, checkSvg, renderSvgPng } from '../../../modalities/svg/render.js';
import { closeDefaultSvgPool } from '../../../modalities/svg/pool.js';
import { isGlimpseError } from '../../../src/util/errors.js';

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const circle = (i: number) => `<svg ${NS} viewBox="0 0 100 100"><circle cx="${10 + (i % 80)}" cy="50" r="${5 + (i % 30)}" fill="#${(i * 2654435761 >>> 8).toString(16).padStart(6, '0').slice(0, 6)}"/></svg>`;
// resvg takes seconds on this one (feTurbulence with hundreds of octaves)
const SLOW = `<svg ${NS} viewBox="0 0 200 200"><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="400"/></filter><rect x="20" y="20" width="160" height="160" fill="seagreen" filter="url(#f)"/></svg>`;
// resvg 2.6 aborts the whole process on this one (Rust panic in feComposite arithmetic over a
// filter region ~3x the canvas), unless the sanitiser clips the region (filterRegionMargin)
const CRASH = `<svg ${NS} viewBox="0 0 200 200"><filter id="f" filterUnits="userSpaceOnUse" x="0" y="0" width="200" height="2000"><feComposite in="SourceGraphic" in2="SourceGraphic" operator="arithmetic" k2="1"/></filter><rect x="20" y="20" width="160" height="160" fill="seagreen" filter="url(#f)"/></svg>`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return isGlimpseError(e) ? e.code : `not a GlimpseError: ${String(e)}`;
  }
}

describe('SvgRenderPool', () => {
  const pool = new SvgRenderPool({ size: 2, timeoutMs: 5000 });
  afterAll(() => pool.close());

  it('renders concurrently, byte-identical to the in-thread renderer', async () => {
    const svgs = Array.from({ length: 40 }, (_, i) => circle(i));
    const out = await Promise.all(svgs.map((s) => pool.render(s, { width: 64, height: 48 })));
    for (let i = 0; i < svgs.length; i++) {
      const ref = rasterizeSvg(svgs[i]!, { width: 64, height: 48 });
      expect(out[i]!.data).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(out[i]!.data).equals(Buffer.from(ref.data))).toBe(true);
    }
    expect(pool.stats.started).toBeLessThanOrEqual(3); // two renderers and one standby
  });

  it('abandons a render past its timeout, replaces the process and keeps serving others', async () => {
    const before = pool.stats;
    const slow = pool.render(SLOW, { timeoutMs: 300, name: 'slow.svg' });
    const others = Array.from({ length: 10 }, (_, i) => pool.render(circle(i), { width: 32, height: 32 }));
    const err = await slow.catch((e: unknown) => e);
    expect(isGlimpseError(err) && err.code).toBe('timeout');
    expect((err as Error).message).toMatch(/^slow\.svg: render abandoned after 300 ms$/);
    expect((await Promise.all(others)).length).toBe(10);
    expect(pool.stats.timeouts).toBe(before.timeouts + 1);
  });

  it('survives a renderer that aborts its process, and reports it as render_crash', async () => {
    // the clip off (a margin of 100 canvases), so resvg sees the region that aborts it
    const err = await pool.render(CRASH, { name: 'crash.svg', limits: { filterRegionMargin: 100 } }).catch((e: unknown) => e);
    expect(isGlimpseError(err) && err.code).toBe('render_crash');
    expect((err as Error).message).toMatch(/^crash\.svg: the SVG renderer crashed/);
    expect((await pool.render(circle(3))).width).toBe(256);
  });

  it('renders that SVG with the default limits: its filter region clipped, no crash', async () => {
    const before = pool.stats.crashes;
    const r = await pool.render(CRASH, { width: 100, height: 100 });
    expect(r.removed).toEqual(['filter region x="0" y="0" width="200" height="2000" (clipped to height=300)']);
    const centre = [...r.data.subarray((50 * 100 + 50) * 3, (50 * 100 + 50) * 3 + 3)];
    [46, 139, 87].forEach((v, k) => expect(Math.abs(centre[k]! - v)).toBeLessThanOrEqual(2)); // seagreen
    expect(pool.stats.crashes).toBe(before);
  });

  it('passes gate failures through with their codes', async () => {
    expect(await codeOf(pool.render(`<svg ${NS} width="5" height="5"/>`))).toBe('empty_render');
    expect(await codeOf(pool.render('<svg'))).toBe('parse_error');
    expect(await codeOf(pool.render(`<svg ${NS} viewBox="0 0 0 0"/>`))).toBe('zero_viewbox');
    expect(await codeOf(pool.render('x'.repeat((1 << 20) + 1)))).toBe('too_large');
  });

  it('from TypeScript sources, starts its processes from one bundled module (no TypeScript loader in them)', async () => {
    await pool.render(circle(7));
    const dir = resolve(fileURLToPath(new URL('../../../', import.meta.url)), 'node_modules/.cache/glimpse');
    const bundles = readdirSync(dir).filter((f) => /^svg-render-child-[0-9a-f]{16}\.mjs$/.test(f));
    expect(bundles.length).toBeGreaterThan(0);
    const newest = bundles.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
    const text = readFileSync(newest, 'utf8');
    expect(text).toContain('function rasterizeSvg');
    expect(text).toMatch(/from "@resvg\/resvg-js"/); // the native renderer stays outside the bundle
  });

  it('starts its processes without the parent\'s module loaders, keeping other Node flags', () => {
    expect(
      execArgvWithoutLoaders(['--import', 'file:///x/tsx/loader.mjs', '--max-old-space-size=512', '--require=/x/preflight.cjs', '-r', 'y', '--loader', 'z', '--experimental-loader=w', '--enable-source-maps']),
    ).toEqual(['--max-old-space-size=512', '--enable-source-maps']);
    expect(execArgvWithoutLoaders([])).toEqual([]);
  });

  it('starts its standby process only once no job waits in the queue', async () => {
    const p = new SvgRenderPool({ size: 1 });
    try {
      const jobs = Array.from({ length: 12 }, (_, i) => p.render(circle(i), { width: 16, height: 16 }));
      expect(p.stats.started).toBe(1); // the renderer; the standby would compete with the queue
      await Promise.all(jobs);
      expect(p.stats.started).toBe(2);
    } finally {
      await p.close();
    }
  });

  it('rejects bad pool settings and work after close', async () => {
    expect(() => new SvgRenderPool({ size: 0 })).toThrow(/size/);
    expect(() => new SvgRenderPool({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    const p = new SvgRenderPool({ size: 1 });
    const queued = codeOf(p.render(circle(1)));
    await p.close();
    expect(await queued).toBe('closed');
    expect(await codeOf(p.render(circle(1)))).toBe('closed');
  });
});

describe('renderSvg / checkSvg (default pool)', () => {
  afterAll(() => closeDefaultSvgPool());

  it('renders to RGB and PNG', async () => {
    const img = await renderSvg(circle(5), { width: 30, height: 20, background: 'black' });
    expect([img.width, img.height, img.data.length]).toEqual([30, 20, 1800]);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([0, 0, 0]);
    const png = await renderSvgPng(circle(5));
    expect(Array.from(png.subarray(1, 4))).toEqual([80, 78, 71]); // "PNG"
  });

  it('checkSvg says why an SVG fails, and never rejects', async () => {
    expect(await checkSvg(circle(1))).toMatchObject({ ok: true, width: 256, height: 256 });
    expect(await checkSvg('')).toMatchObject({ ok: false, code: 'parse_error' });
    expect(await checkSvg(`<svg ${NS} viewBox="0 0 10 0"><rect/></svg>`)).toMatchObject({ ok: false, code: 'zero_viewbox', reason: expect.stringContaining('viewBox') });
    expect(await checkSvg(`<svg ${NS} width="9" height="9"><g/></svg>`)).toMatchObject({ ok: false, code: 'empty_render' });
    expect(await checkSvg(`<svg ${NS}>${'<g>'.repeat(70)}${'</g>'.repeat(70)}</svg>`)).toMatchObject({ ok: false, code: 'too_large' });
    expect(await checkSvg(42 as unknown as string)).toMatchObject({ ok: false, code: 'parse_error' });
  });
});
