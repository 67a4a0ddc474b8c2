import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../../../src/util/atomic.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-atomic-'));
    const p = join(dir, 'sub', 'out.json');
    await writeFileAtomic(p, 'one');
    await writeFileAtomic(p, 'two');
    writeFileAtomicSync(p, 'three');
    expect(readFileSync(p, 'utf8')).toBe('three');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['out.json']);
  });

  it('fails without touching the old file when the target is a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-atomic-'));
    writeFileSync(join(dir, 'keep'), 'old');
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow();
    expect(readFileSync(join(dir, 'keep'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
