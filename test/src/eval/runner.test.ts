import { appendFileSync, existsSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBenchmark } from '../../../src/eval/benchmarks/index.js';
import { readResults, ResultsWriter } from '../../../src/eval/results.js';
import { runEval } from '../../../src/eval/runner.js';
import type { EvalModel, SampleResult } from '../../../src/eval/types.js';
import { tempDir } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());
const sampling = { temperature: 0, maxTokens: 64 };

function charadesData(n: number): string {
  const p = join(t.dir, 'charades_sta_test.txt');
  writeFileSync(p, Array.from({ length: n }, (_, i) => `V${i} ${i} ${i + 10}##event ${i}.`).join('\n'));
  return p;
}

/** A model that answers the truth shifted by 2 s and records which ids it was asked. */
function countingModel(asked: string[], failIds: Set<string> = new Set()): EvalModel {
  return {
    name: 'counting',
    needs: { media: false },
    async generate(reqs, _s, o = {}) {
      const out = [];
      for (const [i, r] of reqs.entries()) {
        asked.push(r.id);
        const k = Number(r.id.slice(1, r.id.indexOf('#')));
        const g = failIds.has(r.id) ? { text: '', error: 'HTTP 503 (after 6 attempts)' } : { text: `<answer>${k + 2} - ${k + 12}</answer>` };
        out.push(g);
        await o.onResult?.(i, g);
      }
      return out;
    },
  };
}

describe('runner', () => {
  it('resumes: a re-run skips finished samples and retries failed ones; a line cut by a crash is redone', async () => {
    const data = charadesData(10);
    const out = join(t.dir, 'run');
    const b = getBenchmark('charades-sta');
    const asked1: string[] = [];
    const first = await runEval({ benchmark: b, options: { data }, model: countingModel(asked1, new Set(['V3#4', 'V7#8'])), sampling, out, batchSize: 3 });
    expect(asked1).toHaveLength(10);
    expect(first.n).toBe(8);
    expect(first.errors).toBe(2);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('2 × HTTP 503 (after 6 attempts)');

    // simulate a crash in the middle of writing the last line
    const resultsPath = join(out, 'results.jsonl');
    const size = statSync(resultsPath).size;
    truncateSync(resultsPath, size - 15);
    const asked2: string[] = [];
    const second = await runEval({ benchmark: b, options: { data }, model: countingModel(asked2), sampling, out });
    expect(asked2.sort()).toEqual(['V3#4', 'V7#8', 'V9#10'].sort());
    expect(second.n).toBe(10);
    expect(second.errors).toBe(0);
    // tIoU of a 10 s span shifted by 2 s: 8 / 12
    expect(second.metrics.mIoU).toBeCloseTo(8 / 12, 12);
    const lines = readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(10);
    expect(new Set(lines.map((l) => JSON.parse(l).id)).size).toBe(10);

    // a third run does nothing new
    const asked3: string[] = [];
    await runEval({ benchmark: b, options: { data }, model: countingModel(asked3), sampling, out });
    expect(asked3).toEqual([]);
  });

  it('writes nothing when the data path is wrong, and warns when the data file changed on resume', async () => {
    const out = join(t.dir, 'run');
    await expect(runEval({ benchmark: getBenchmark('charades-sta'), options: { data: join(t.dir, 'missing.txt') }, model: countingModel([]), sampling, out })).rejects.toThrow(/not found/);
    expect(existsSync(out)).toBe(false);
    const data = charadesData(2);
    await runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: countingModel([]), sampling, out });
    appendFileSync(data, '\nV9 1 2##more.\n');
    const logs: string[] = [];
    await runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: countingModel([]), sampling, out, log: (l) => logs.push(l) });
    expect(logs.join('\n')).toMatch(/changed size since this run started/);
  });

  it('refuses to resume a run folder of another benchmark or model', async () => {
    const data = charadesData(2);
    const out = join(t.dir, 'run');
    await runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: countingModel([]), sampling, out });
    const other: EvalModel = { ...countingModel([]), name: 'other' };
    await expect(runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: other, sampling, out })).rejects.toThrow(/holds a run with model "counting", not "other"/);
  });

  it('stops after many consecutive request errors with none succeeding', async () => {
    const data = charadesData(30);
    const all = new Set(Array.from({ length: 30 }, (_, i) => `V${i}#${i + 1}`));
    await expect(
      runEval({ benchmark: getBenchmark('charades-sta'), options: { data }, model: countingModel([], all), sampling, out: join(t.dir, 'run'), batchSize: 5, maxConsecutiveErrors: 10 }),
    ).rejects.toThrow(/requests in a row failed, none succeeded; last error: HTTP 503/);
  });

  it('rejects duplicate ids in the data', async () => {
    const p = join(t.dir, 'dup.txt');
    writeFileSync(p, 'A 1 2##x\n');
    const b = getBenchmark('charades-sta');
    const dupBench = { ...b, async load() { const it = (await b.load({ data: p })); const items = []; for await (const x of it.items) items.push(x, x); return { total: 2, notes: [], items: (async function* () { yield* items; })() }; } };
    await expect(runEval({ benchmark: dupBench, options: { data: p }, model: countingModel([]), sampling, out: join(t.dir, 'run') })).rejects.toThrow(/occurs twice/);
  });
});

describe('results.jsonl', () => {
  const r = (id: string): SampleResult => ({ id, groups: {}, completion: `c ${id} ✓ "q"\n`, values: { iou: 0.5 } });

  it('never throws and keeps exactly the complete lines, whatever byte a crash stops at', async () => {
    const p = join(t.dir, 'results.jsonl');
    const w = await ResultsWriter.open(p);
    for (const id of ['a', 'b', 'c', 'd']) await w.append(r(id));
    await w.close();
    const full = readFileSync(p);
    const ends: number[] = [];
    full.forEach((byte, i) => byte === 0x0a && ends.push(i + 1));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length }), (cut) => {
        writeFileSync(p, full.subarray(0, cut));
        const got = readResults(p);
        const complete = ends.filter((e) => e <= cut).length;
        expect(got.results.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd'].slice(0, complete));
        expect(got.validBytes).toBe(complete === 0 ? 0 : ends[complete - 1]);
      }),
      { numRuns: 60 },
    );
  });

  it('truncates a trailing partial line before appending, and skips garbage lines', async () => {
    const p = join(t.dir, 'results.jsonl');
    writeFileSync(p, `${JSON.stringify(r('a'))}\nnot json\n{"id": 3}\n${JSON.stringify(r('b')).slice(0, 20)}`);
    const before = readResults(p);
    expect(before.results.map((x) => x.id)).toEqual(['a']);
    expect(before.dropped).toEqual([2, 3, 4]);
    const w = await ResultsWriter.open(p);
    await w.append(r('c'));
    await w.close();
    expect(readResults(p).results.map((x) => x.id)).toEqual(['a', 'c']);
    appendFileSync(p, '\n\n');
    expect(readResults(p).results).toHaveLength(2);
  });
});
