import { writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { tempDir, writePredictions } from './helpers.js';

let t: ReturnType<typeof tempDir>;
let out: string;
let err: string;
beforeEach(() => {
  t = tempDir();
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  t.cleanup();
});

const run = (...args: string[]) => main(['node', 'glimpse', 'eval', ...args]);

describe('glimpse eval (CLI)', () => {
  it('scores a predictions file, writes the run folder, and compares two runs', async () => {
    const data = join(t.dir, 'charades_sta_test.txt');
    writeFileSync(data, 'A 0 10##x.\nB 0 10##y.\n');
    const p1 = join(t.dir, 'p1.jsonl');
    writePredictions(p1, [{ id: 'A#1', completion: '0 - 10' }, { id: 'B#2', completion: '0 - 2' }]);
    await run('--benchmark', 'charades-sta', '--data', data, '--predictions', p1, '--out', join(t.dir, 'r1'), '--quiet');
    expect(process.exitCode).toBeUndefined();
    expect(out).toMatch(/R1@0\.5\s+50\.00/);
    expect(existsSync(join(t.dir, 'r1', 'metrics.json'))).toBe(true);
    await run('--benchmark', 'charades-sta', '--data', data, '--model', 'oracle', '--out', join(t.dir, 'r2'), '--quiet');
    out = '';
    await run('--compare', join(t.dir, 'r1'), join(t.dir, 'r2'));
    expect(out).toMatch(/R1@0\.5\s+50\.00\s+100\.00\s+\+50\.00 pp/);
  });

  it('prints one-line errors naming the argument, without a stack trace', async () => {
    await run('--benchmark', 'nope', '--data', 'x');
    expect(process.exitCode).toBe(1);
    expect(err).toMatch(/unknown benchmark "nope"; known benchmarks: .*charades-sta.*refcoco/);
    err = '';
    await run('--benchmark', 'refcoco');
    expect(err).toMatch(/--data is required for refcoco: expected a Hugging Face parquet export/);
    err = '';
    await run('--benchmark', 'charades-sta', '--data', join(t.dir, 'x.txt'), '--model', 'oracle', '--limit', '-3');
    expect(err).toMatch(/--limit -3: expected an integer ≥ 0/);
    err = '';
    await run('--benchmark', 'charades-sta', '--data', join(t.dir, 'x.txt'), '--model', 'models/tiny');
    expect(process.exitCode).toBe(1);
    expect(err).toMatch(/models\/tiny: no such model folder, and not a preset/);
    err = '';
    await run('--compare', join(t.dir, 'a'));
    expect(err).toMatch(/--compare needs two run folders/);
    err = '';
    await run('--compare', join(t.dir, 'a'), join(t.dir, 'b'));
    expect(err).toMatch(/no metrics\.json here/);
    expect(err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('lists the benchmarks with their metrics', async () => {
    await run('--list');
    expect(out).toMatch(/refcoco\s+Acc@0\.5/);
    expect(out).toMatch(/charades-sta\s+R1@0\.3, R1@0\.5, R1@0\.7, mIoU/);
  });
});

describe('eval config', () => {
  it('applies documented defaults and names the flag on a bad value', async () => {
    const { parseEvalConfig } = await import('../../../src/eval/config.js');
    expect(parseEvalConfig({})).toMatchObject({ coords: 'pixel', maxPixels: 12845056, temperature: 0, maxTokens: 1024, concurrency: 8, timeout: 180, retries: 5, batchSize: 32, examples: 4 });
    expect(parseEvalConfig({ limit: '10', topP: '0.9', coords: 'norm1000' })).toMatchObject({ limit: 10, topP: 0.9, coords: 'norm1000' });
    expect(() => parseEvalConfig({ coords: 'inches' })).toThrow(/--coords inches: expected pixel, norm1000, norm1/);
    expect(() => parseEvalConfig({ temperature: 'hot' })).toThrow(/--temperature hot: expected/);
    expect(() => parseEvalConfig({ topP: '1.5' })).toThrow(/--top-p 1\.5: expected a number in \[0, 1\]/);
    expect(() => parseEvalConfig({ concurrency: '2.5' })).toThrow(/--concurrency 2\.5: expected an integer ≥ 1/);
    expect(() => parseEvalConfig({ timeout: 'NaN' })).toThrow(/--timeout NaN: expected/);
    expect(() => parseEvalConfig({ boxFormat: 'cxcywh' })).toThrow(/--box-format cxcywh: expected xywh, xyxy/);
  });
});
