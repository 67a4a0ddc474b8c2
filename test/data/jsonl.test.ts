import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSamplesJsonl } from '../../data/jsonl.js';

function tmp(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-jsonl-'));
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
}

const good = JSON.stringify({ id: 'a', prompt: 'p', media: [{ kind: 'image', path: 'img/a.png' }], answer: { bbox: [0, 0, 1, 1] } });

describe('loadSamplesJsonl', () => {
  it('reads samples, resolves media paths and reports bad lines by number', async () => {
    const p = tmp('d.jsonl', [good, '{not json', '', JSON.stringify({ id: 'b' }), '"\u{1F600}"', good.replace('"a"', '"c"')].join('\n'));
    const { samples, problems } = await loadSamplesJsonl(p);
    expect(samples.map((s) => s.id)).toEqual(['a', 'c']);
    expect(samples[0]!.media[0]!.path).toBe(join(p, '..', 'img', 'a.png'));
    expect(problems.map((q) => q.line)).toEqual([2, 4, 5]);
    expect(problems[0]!.error).toMatch(/not JSON/);
    expect(problems[1]!.error).toMatch(/prompt/);
  });

  it('stops at the first bad line in strict mode, naming file and line', async () => {
    const p = tmp('s.jsonl', `${good}\n[1,2]\n`);
    await expect(loadSamplesJsonl(p, { strict: true })).rejects.toThrow(/s\.jsonl:2/);
  });

  it('honours limit, refuses overlong lines and missing files', async () => {
    const p = tmp('l.jsonl', `${good}\n${good}\n${'x'.repeat(2000)}\n`);
    expect((await loadSamplesJsonl(p, { limit: 1 })).samples).toHaveLength(1);
    const r = await loadSamplesJsonl(p, { maxLineChars: 1000 });
    expect(r.problems[0]).toMatchObject({ line: 3 });
    expect(r.problems[0]!.error).toMatch(/over the limit/);
    await expect(loadSamplesJsonl('/nonexistent/x.jsonl')).rejects.toThrow(/not found/);
  });

  it('reads an empty file as no samples', async () => {
    expect(await loadSamplesJsonl(tmp('e.jsonl', ''))).toEqual({ samples: [], problems: [] });
  });
});
