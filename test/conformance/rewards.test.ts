/**
 * The shared conformance suite of the reward library: every registered reward (rewards/index.ts,
 * so the geometry, semantic and other families too) must
 *  - register a usable definition: name, description, paper, finite range, params with defaults
 *    that reject unknown keys;
 *  - stay total: never throw on hostile completions (empty, 1 MB, unicode, NaN/Infinity, inverted
 *    or negative boxes, truncated JSON) nor on hostile ground truth;
 *  - score in its declared range or null, deterministically;
 *  - keep null semantics: null means "does not apply to this SAMPLE", so for a given sample either
 *    every completion scores null or none does; a reward that declares `needs` is null on a sample
 *    without any of those answer fields;
 *  - reproduce its worked examples.
 */
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../data/schema.js';
import { createCoordinateMap } from '../../modalities/coords.js';
import { compilePipeline, listRewards } from '../../rewards/index.js';
import type { RewardDefinition, RewardInput, RewardResult } from '../../rewards/types.js';
import { HOSTILE_COMPLETIONS } from '../rewards/hostile.js';

const RICH: Sample = {
  id: 'rich',
  prompt: 'Where is the cat? How many legs? Which option?',
  media: [],
  answer: {
    bbox: [10, 20, 110, 220],
    boxes: [{ bbox: [10, 20, 110, 220], label: 'cat' }, { bbox: [300, 300, 400, 420], label: 'dog' }],
    point: [50, 60],
    span: [12.5, 20.1],
    tube: { frames: { '0': [10, 20, 110, 220], '1': [12, 22, 112, 222] } },
    box3d: { center: [1, 2, 0.5], size: [1, 1, 1], yaw: 0.3 },
    boxes3d: [{ center: [1, 2, 0.5], size: [1, 1, 1], yaw: 0.3, label: 'chair' }],
    choice: 'B',
    number: 42,
    text: 'a red cat',
    label: 'cat',
  },
};

const EMPTY: Sample = { id: 'empty', prompt: '', media: [], answer: {} };

// Ground truth that is legal JSON but geometrically absurd: rewards must still not throw.
const HOSTILE_GT: Sample = {
  id: 'hostile-gt',
  prompt: '',
  media: [],
  answer: {
    bbox: [300, 400, 100, 200],
    boxes: [{ bbox: [-50, -60, -10, -20] }, { bbox: [5, 5, 5, 5], label: '' }, { bbox: [0, 0, 1e300, 1e300] }],
    point: [-1, 1e300],
    span: [20, 10],
    tube: { times: { '0.5': [0, 0, 0, 0] } },
    box3d: { center: [0, 0, 0], size: [0, -1, 2], yaw: 1e9 },
    boxes3d: [],
    choice: '',
    number: -0,
    text: '',
    label: '',
  },
};

// What an in-process caller could pass without schema validation: NaN and Infinity in ground truth.
const NAN_GT: Sample = {
  id: 'nan-gt',
  prompt: '',
  media: [],
  answer: {
    bbox: [NaN, 0, 10, 10],
    boxes: [{ bbox: [0, 0, Infinity, 10] }],
    point: [Infinity, NaN],
    span: [NaN, Infinity],
    tube: { frames: { '0': [NaN, NaN, NaN, NaN] } },
    box3d: { center: [NaN, 0, 0], size: [1, Infinity, 1] },
    number: NaN,
  },
};

const SAMPLES: Array<[string, Sample]> = [
  ['rich ground truth', RICH],
  ['no ground truth', EMPTY],
  ['hostile ground truth', HOSTILE_GT],
  ['NaN ground truth', NAN_GT],
];

const MAP = createCoordinateMap({ original: [1280, 960], input: [644, 476], space: 'pixel' });
const SMALL = HOSTILE_COMPLETIONS.filter(([, c]) => c.length < 10_000);
const LARGE = HOSTILE_COMPLETIONS.filter(([, c]) => c.length >= 10_000);

async function run(def: RewardDefinition<unknown>, params: unknown, input: RewardInput): Promise<RewardResult> {
  return await def.score(input, params, undefined);
}

function checkResult(def: RewardDefinition<unknown>, r: RewardResult, where: string): void {
  expect(r, where).toBeTypeOf('object');
  if (r.score !== null) {
    expect(typeof r.score, where).toBe('number');
    expect(Number.isFinite(r.score), `${where}: score ${r.score} is not finite`).toBe(true);
    expect(r.score, where).toBeGreaterThanOrEqual(def.range[0] - 1e-9);
    expect(r.score, where).toBeLessThanOrEqual(def.range[1] + 1e-9);
  }
  if (r.reason !== undefined) expect(typeof r.reason, where).toBe('string');
  if (r.details !== undefined) expect(() => JSON.stringify(r.details), where).not.toThrow();
}

/** Params sets to exercise: defaults and each example's params (variants). */
function paramSets(def: RewardDefinition<unknown>): Array<[string, unknown]> {
  const sets: Array<[string, unknown]> = [['defaults', def.params.parse({})]];
  const seen = new Set<string>(['{}']);
  for (const ex of def.examples ?? []) {
    const key = JSON.stringify(ex.params ?? {});
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push([key, def.params.parse(ex.params ?? {})]);
  }
  return sets;
}

const rewards = listRewards() as RewardDefinition<unknown>[];

describe('reward registry', () => {
  it('has the built-in rewards registered', () => {
    expect(rewards.length).toBeGreaterThan(0);
  });
});

describe.each(rewards.map((d) => [d.name, d] as const))('%s', (_name, def) => {
  it('registers a usable definition', () => {
    expect(def.name).toMatch(/^[a-z0-9_]+\.[a-z0-9_]+$/);
    expect(def.description.length).toBeGreaterThan(0);
    expect(def.paper?.length ?? 0, `${def.name} must cite the paper or code its formula comes from`).toBeGreaterThan(0);
    expect(Number.isFinite(def.range[0]) && Number.isFinite(def.range[1]) && def.range[0] <= def.range[1]).toBe(true);
    expect(def.params.safeParse({}).success, 'params must all have defaults').toBe(true);
    expect(def.params.safeParse({ no_such_param_xyz: 1 }).success, 'unknown params must be rejected').toBe(false);
  });

  it('works as a pipeline entry with its default params', async () => {
    const p = compilePipeline({ rewards: [{ name: def.name }] }, { source: 'conformance' });
    expect(p.isAsync).toBe(def.async === true);
    const input: RewardInput = { completion: '<think>x</think><answer>[1, 2, 3, 4]</answer>', sample: RICH };
    const r = p.isAsync ? await p.score(input) : p.scoreSync(input);
    expect(Number.isFinite(r.reward)).toBe(true);
    expect(Object.keys(r.components)).toEqual([def.name]);
  });

  it('is total, in range and deterministic on hostile completions and ground truth', async () => {
    for (const [pLabel, params] of paramSets(def)) {
      for (const [sLabel, sample] of SAMPLES) {
        const nullness = new Set<boolean>();
        for (const coords of [undefined, MAP]) {
          for (const [cLabel, completion] of SMALL) {
            const where = `${def.name} params=${pLabel} sample=${sLabel} coords=${coords ? 'map' : 'none'} completion=${cLabel}`;
            const input: RewardInput = coords ? { completion, sample, coords } : { completion, sample };
            const a = await run(def, params, input);
            checkResult(def, a, where);
            const b = await run(def, params, input);
            expect(JSON.stringify(b), `${where}: not deterministic`).toBe(JSON.stringify(a));
            if (!coords) nullness.add(a.score === null);
          }
        }
        expect(nullness.size, `${def.name} params=${pLabel} sample=${sLabel}: null must depend on the sample, not on the completion`).toBe(1);
        if (def.needs && def.needs.length > 0 && sample === EMPTY) {
          expect([...nullness], `${def.name} declares needs ${def.needs.join(',')}: null without ground truth`).toEqual([true]);
        }
      }
    }
  });

  it('is total and in range on 1 MB completions', async () => {
    const params = def.params.parse({});
    for (const [cLabel, completion] of LARGE) {
      checkResult(def, await run(def, params, { completion, sample: RICH }), `${def.name} completion=${cLabel}`);
    }
  });

  it('is total on malformed inputs from untyped callers', async () => {
    const params = def.params.parse({});
    const weird: unknown[] = [
      { completion: undefined, sample: RICH },
      { completion: 42, sample: RICH },
      { completion: '<answer>[1,2,3,4]</answer>', sample: { id: 'x', prompt: '', media: [], answer: null } },
      { completion: '<answer>[1,2,3,4]</answer>', sample: { id: 'x', prompt: '', media: [] } },
      { completion: '<answer>[1,2,3,4]</answer>', sample: { id: 'x', prompt: '', media: [], answer: { bbox: 'nope', boxes: [null, 1], span: [1], box3d: {}, choice: 3, number: 'x' } } },
    ];
    for (const input of weird) checkResult(def, await run(def, params, input as RewardInput), `${def.name} input=${JSON.stringify(input).slice(0, 120)}`);
  });

  it('reproduces its worked examples', async () => {
    for (const ex of def.examples ?? []) {
      const params = def.params.parse(ex.params ?? {});
      const sample: Sample = { id: 'example', prompt: '', media: [], answer: ex.answer };
      const r = await run(def, params, { completion: ex.completion, sample });
      const where = `${def.name} example ${ex.note ?? JSON.stringify(ex.completion).slice(0, 80)}`;
      checkResult(def, r, where);
      if (ex.score === null) expect(r.score, where).toBeNull();
      else if (ex.score !== undefined) {
        expect(r.score, where).not.toBeNull();
        expect(r.score!, where).toBeCloseTo(ex.score, 6);
      }
    }
  });
});
