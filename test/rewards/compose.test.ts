import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Sample } from '../../data/schema.js';
import { compilePipeline, compileShaping, loadPipelineFile, logSigmoid } from '../../rewards/compose.js';
import { registerReward } from '../../rewards/registry.js';

// Test-only rewards (this file runs in its own process, so they do not leak into other suites).
registerReward({
  name: 'test.len',
  description: 'completion length / 10, capped at 1',
  paper: 'test',
  range: [0, 1],
  params: z.object({ cap: z.number().default(10).describe('length that scores 1') }).strict(),
  score: ({ completion }, p) => ({ score: Math.min(1, completion.length / p.cap), reason: completion.length ? undefined : 'empty' }),
});
registerReward({
  name: 'test.choice',
  description: 'null without answer.choice, else 1 when the completion equals it',
  paper: 'test',
  range: [0, 1],
  params: z.object({}).strict(),
  needs: ['choice'],
  score: ({ completion, sample }) => (sample.answer.choice === undefined ? { score: null, reason: 'no answer.choice' } : { score: completion === sample.answer.choice ? 1 : 0 }),
});
registerReward({
  name: 'test.throws',
  description: 'a buggy reward',
  paper: 'test',
  range: [0, 1],
  params: z.object({}).strict(),
  score: () => {
    throw new Error('boom');
  },
});
registerReward({
  name: 'test.async',
  description: 'an async reward',
  paper: 'test',
  range: [0, 1],
  async: true,
  params: z.object({}).strict(),
  score: async () => ({ score: 0.5 }),
});
let compiled = 0;
registerReward({
  name: 'test.compiled',
  description: 'uses compile()',
  paper: 'test',
  range: [0, 2],
  params: z.object({ k: z.number().default(2) }).strict(),
  score: (_i, p) => ({ score: p.k }),
  compile: (p) => {
    compiled++;
    return () => ({ score: p.k });
  },
});

const sample = (answer: Sample['answer']): Sample => ({ id: 's', prompt: '', media: [], answer });

describe('compilePipeline', () => {
  it('sums weighted components and leaves nulls out', () => {
    const p = compilePipeline({ rewards: [{ name: 'test.len', weight: 0.5 }, { name: 'test.choice', weight: 2 }] });
    expect(p.scoreSync({ completion: 'B', sample: sample({ choice: 'B' }) })).toMatchObject({
      reward: 0.05 + 2,
      components: { 'test.len': 0.1, 'test.choice': 1 },
      gated: false,
    });
    const r = p.scoreSync({ completion: 'B', sample: sample({}) });
    expect(r.reward).toBeCloseTo(0.05);
    expect(r.components['test.choice']).toBeNull();
    expect(r.reasons['test.choice']).toBe('no answer.choice');
  });

  it('gates the total on a component > 0; a null gate does not close it', () => {
    const p = compilePipeline({ rewards: [{ name: 'test.len' }, { name: 'test.choice' }], gate: 'test.choice' });
    expect(p.scoreSync({ completion: 'A', sample: sample({ choice: 'B' }) })).toMatchObject({ reward: 0, gated: true, raw: 0.1 });
    expect(p.scoreSync({ completion: 'A', sample: sample({}) })).toMatchObject({ reward: 0.1, gated: false });
  });

  it('applies per-component and total shaping in order', () => {
    const p = compilePipeline({
      rewards: [{ name: 'test.len', params: { cap: 4 }, shaping: [{ op: 'centre', reference: 0.5 }, { op: 'scale', factor: 2 }] }],
      shaping: [{ op: 'sigmoid', reference: 0, temperature: 1 }],
    });
    const r = p.scoreSync({ completion: 'abcd', sample: sample({}) }); // len 1 -> (1-0.5)*2 = 1 -> σ(1)
    expect(r.raw).toBeCloseTo(1);
    expect(r.reward).toBeCloseTo(1 / (1 + Math.exp(-1)));
  });

  it('lets one reward appear twice under "as"', () => {
    const p = compilePipeline({ rewards: [{ name: 'test.len' }, { name: 'test.len', as: 'len_short', params: { cap: 1 } }] });
    expect(p.components).toEqual(['test.len', 'len_short']);
    expect(p.scoreSync({ completion: 'ab', sample: sample({}) }).components).toEqual({ 'test.len': 0.2, len_short: 1 });
  });

  it('turns a throwing reward into null with a reason', () => {
    const p = compilePipeline({ rewards: [{ name: 'test.throws' }, { name: 'test.len' }] });
    const r = p.scoreSync({ completion: 'abc', sample: sample({}) });
    expect(r.components['test.throws']).toBeNull();
    expect(r.reasons['test.throws']).toBe('internal error: boom');
    expect(r.reward).toBeCloseTo(0.3);
  });

  it('compiles params once through compile()', () => {
    const before = compiled;
    const p = compilePipeline({ rewards: [{ name: 'test.compiled', params: { k: 1.5 } }] });
    for (let i = 0; i < 5; i++) expect(p.scoreSync({ completion: '', sample: sample({}) }).reward).toBe(1.5);
    expect(compiled - before).toBe(1);
  });

  it('refuses scoreSync on async pipelines and scores them with score()', async () => {
    const p = compilePipeline({ rewards: [{ name: 'test.async' }, { name: 'test.len' }] });
    expect(p.isAsync).toBe(true);
    expect(() => p.scoreSync({ completion: '', sample: sample({}) })).toThrow(/async/);
    expect((await p.score({ completion: 'a', sample: sample({}) })).reward).toBeCloseTo(0.6);
  });

  it.each([
    [{ rewards: [{ name: 'nope.nothing' }] }, /rewards\[0\]: unknown reward "nope.nothing"; known rewards: .*test\.len/],
    [{ rewards: [{ name: 'test.len', params: { cap: 'x' } }] }, /rewards\[0\] \(test\.len\): bad params: cap: /],
    [{ rewards: [{ name: 'test.len', params: { cpa: 3 } }] }, /bad params: .*cpa/],
    [{ rewards: [{ name: 'test.len', wieght: 3 }] }, /wieght/],
    [{ rewards: [] }, /at least one reward/],
    [{ rewards: [{ name: 'test.len' }, { name: 'test.len' }] }, /appears twice/],
    [{ rewards: [{ name: 'test.len' }], gate: 'format.x' }, /gate: "format.x" is not a component/],
    [{ rewards: [{ name: 'test.len', shaping: { op: 'squash' } }] }, /shaping/],
    [{ rewards: [{ name: 'test.len', weight: Infinity }] }, /weight/],
    [[], /expected an object/],
    [null, /expected an object/],
  ])('rejects %j', (spec, message) => {
    expect(() => compilePipeline(spec, { source: 'p.yaml' })).toThrow(message);
    try {
      compilePipeline(spec, { source: 'p.yaml' });
    } catch (e) {
      expect((e as { code?: string }).code).toBe('bad_config');
      expect((e as Error).message.startsWith('p.yaml: ')).toBe(true);
    }
  });

  it('lists valid params in a bad-params error', () => {
    expect(() => compilePipeline({ rewards: [{ name: 'test.len', params: { cpa: 3 } }] })).toThrow(/valid params: cap \(length that scores 1\)/);
    expect(() => compilePipeline({ rewards: [{ name: 'test.choice', params: { x: 1 } }] })).toThrow(/test\.choice takes no params/);
  });
});

describe('shaping transforms', () => {
  it('log-sigmoid is stable and equals log(σ(x))', () => {
    expect(logSigmoid(0)).toBeCloseTo(Math.log(0.5));
    expect(logSigmoid(-1000)).toBeCloseTo(-1000);
    expect(logSigmoid(1000)).toBe(-0);
    fc.assert(fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => Math.abs(logSigmoid(x) - Math.log(1 / (1 + Math.exp(-x)))) < 1e-9));
  });

  it('PAR sigmoid is bounded in (0, 1), centred at the reference and monotone', () => {
    const f = compileShaping([{ op: 'sigmoid', reference: 0.7, temperature: 0.5 }]);
    expect(f(0.7)).toBeCloseTo(0.5);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (a, b) => {
        const [fa, fb] = [f(a), f(b)];
        return fa >= 0 && fa <= 1 && (a <= b ? fa <= fb : fa >= fb);
      }),
    );
  });

  it('clip bounds and composes with centre', () => {
    const f = compileShaping([{ op: 'centre', reference: 1 }, { op: 'clip', min: -0.5, max: 0.5 }]);
    expect([f(0), f(1.2), f(9)]).toEqual([-0.5, expect.closeTo(0.2), 0.5]);
  });
});

describe('loadPipelineFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-pipe-'));

  it('reads YAML and JSON and names the pipeline after the file', async () => {
    writeFileSync(join(dir, 'mine.yaml'), 'rewards:\n  - name: test.len\n    weight: 2\n    params: {cap: 5}\n');
    const p = await loadPipelineFile(join(dir, 'mine.yaml'));
    expect(p.name).toBe('mine');
    expect(p.scoreSync({ completion: 'abcde', sample: sample({}) }).reward).toBe(2);
    writeFileSync(join(dir, 'j.json'), JSON.stringify({ name: 'declared', rewards: [{ name: 'test.len' }] }));
    expect((await loadPipelineFile(join(dir, 'j.json'))).name).toBe('declared');
  });

  it('names the file on missing files, bad syntax and bad content', async () => {
    await expect(loadPipelineFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('missing.yaml') });
    writeFileSync(join(dir, 'bad.yaml'), 'rewards: [\n  - name: x\n');
    await expect(loadPipelineFile(join(dir, 'bad.yaml'))).rejects.toMatchObject({ code: 'bad_config', message: expect.stringContaining('not valid YAML') });
    writeFileSync(join(dir, 'bad.json'), '{"rewards": [');
    await expect(loadPipelineFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'bad_config', message: expect.stringContaining('not valid JSON') });
    writeFileSync(join(dir, 'unknown.yaml'), 'rewards:\n  - name: geometry.iuo\n');
    await expect(loadPipelineFile(join(dir, 'unknown.yaml'))).rejects.toMatchObject({ code: 'bad_config', message: expect.stringMatching(/unknown\.yaml: rewards\[0\]: unknown reward "geometry\.iuo"/) });
  });
});
