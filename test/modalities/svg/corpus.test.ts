/**
 * Renders the whole SVG corpus (resvg's own test suite, 1,721 files, many deliberately odd or
 * referencing external files) through the render pool: nothing may crash or hang the caller, and
 * every failure must be a typed GlimpseError with a known code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SvgRenderPool } from '../../../modalities/svg/pool.js';
import { isGlimpseError } from '../../../src/util/errors.js';

const CORPUS = resolve(fileURLToPath(new URL('../../../', import.meta.url)), '../shared/corpora/svg');
const KNOWN = new Set(['parse_error', 'not_svg', 'empty_render', 'zero_viewbox', 'too_large', 'timeout', 'render_crash']);

function walk(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.svg') ? [p] : [];
  });
}

describe('SVG corpus', () => {
  const pool = new SvgRenderPool({ timeoutMs: 3000 });
  afterAll(() => pool.close());

  it('renders every file of the corpus or refuses it with a typed error, without crashing or hanging', { timeout: 180_000 }, async () => {
    expect(existsSync(CORPUS), `corpus not found at ${CORPUS}`).toBe(true);
    const files = walk(CORPUS).sort();
    expect(files.length).toBeGreaterThan(1000);
    const codes: Record<string, number> = {};
    await Promise.all(
      files.map(async (f) => {
        try {
          const r = await pool.render(readFileSync(f, 'utf8'), { name: f, width: 128, height: 128 });
          expect(r.data.length).toBe(128 * 128 * 3);
          codes.ok = (codes.ok ?? 0) + 1;
        } catch (e) {
          expect(isGlimpseError(e), `${f}: ${String(e)}`).toBe(true);
          const code = (e as { code: string }).code;
          expect(KNOWN.has(code), `${f}: unexpected code ${code}`).toBe(true);
          expect((e as Error).message).toContain(f);
          codes[code] = (codes[code] ?? 0) + 1;
        }
      }),
    );
    expect(codes.ok ?? 0).toBeGreaterThan(files.length * 0.95);
    // the external-image tests render without their images (refused), never with them
    expect(pool.stats.rendered).toBe(codes.ok);
  });
});
