import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../data/schema.js';
import { compilePipeline, getReward, loadPipelineFile } from '../../rewards/index.js';
import { normalizeAnswer } from '../../rewards/accuracy/index.js';
import { lengthIn } from '../../rewards/shaping/index.js';
import type { RewardInput } from '../../rewards/types.js';

const mk = (answer: Sample['answer']): Sample => ({ id: 's', prompt: '', media: [], answer });
const score = (name: string, input: RewardInput, params: Record<string, unknown> = {}) => {
  const def = getReward(name);
  return def.score(input, def.params.parse(params)) as { score: number | null; reason?: string; details?: Record<string, unknown> };
};

describe('accuracy.choice', () => {
  it('reads the answer section and compares letters', () => {
    expect(score('accuracy.choice', { completion: '<think>A is wrong, (C) too</think><answer>B</answer>', sample: mk({ choice: 'B' }) }).score).toBe(1);
    expect(score('accuracy.choice', { completion: '<think>B</think><answer>C</answer>', sample: mk({ choice: '(b)' }) })).toMatchObject({ score: 0, reason: 'chose C, expected B' });
    expect(score('accuracy.choice', { completion: 'B', sample: mk({ choice: 'the cat' }) }).score).toBe(0);
    expect(score('accuracy.choice', { completion: 'B', sample: mk({}) }).score).toBeNull();
  });
});

describe('accuracy.number', () => {
  it('applies absolute and relative tolerance', () => {
    const s = mk({ number: 100 });
    expect(score('accuracy.number', { completion: '<answer>100.0000001</answer>', sample: s }).score).toBe(1);
    expect(score('accuracy.number', { completion: '<answer>103</answer>', sample: s }).score).toBe(0);
    expect(score('accuracy.number', { completion: '<answer>103</answer>', sample: s }, { rel_tol: 0.05 }).score).toBe(1);
    expect(score('accuracy.number', { completion: '<answer>103</answer>', sample: s }, { abs_tol: 3 }).score).toBe(1);
    expect(score('accuracy.number', { completion: '<answer>none</answer>', sample: s })).toMatchObject({ score: 0, reason: 'no number' });
  });
});

describe('accuracy.text', () => {
  it('normalises like SQuAD', () => {
    expect(normalizeAnswer('  The  Red-Cat!! ', 'squad')).toBe('red cat');
    expect(normalizeAnswer('Ｔｈｅ ＣＡＴ', 'squad')).toBe('cat');
    expect(score('accuracy.text', { completion: '<answer>A red cat.</answer>', sample: mk({ text: 'red cat' }) }).score).toBe(1);
    expect(score('accuracy.text', { completion: '<answer>bred cat</answer>', sample: mk({ text: 'red cat' }) }, { match: 'contains' }).score).toBe(0);
  });
});

describe('shaping rewards', () => {
  it('length_penalty follows DAPO', () => {
    const p = { max_length: 10, buffer: 4, unit: 'words' };
    const words = (n: number) => Array.from({ length: n }, () => 'w').join(' ');
    expect([6, 7, 8, 10, 11].map((n) => score('shaping.length_penalty', { completion: words(n), sample: mk({}) }, p).score)).toEqual([0, -0.25, -0.5, -1, -1]);
    expect(getReward('shaping.length_penalty').params.safeParse({ max_length: 10, buffer: 20 }).success).toBe(false);
  });

  it('lengthIn counts words, chars and approximate tokens', () => {
    expect(lengthIn(' a  bc\nd ', 'words')).toBe(3);
    expect(lengthIn('abcdefghi', 'approx_tokens')).toBe(3);
  });

  it('length_bonus goes to the shortest correct completion of the group', () => {
    const completions = ['<answer>B</answer> ' + 'x '.repeat(150), '<answer>B</answer> ' + 'x '.repeat(120), '<answer>C</answer>'];
    const s = mk({ choice: 'B' });
    const at = (index: number, params: Record<string, unknown> = {}) => score('shaping.length_bonus', { completion: completions[index]!, sample: s, group: { completions, index } }, { unit: 'words', ...params }).score;
    expect([at(0), at(1), at(2)]).toEqual([0, 0.2, 0]);
    expect(at(1, { min_length: 500 })).toBe(0);
    expect(score('shaping.length_bonus', { completion: 'x', sample: s }).score).toBeNull();
  });

  it('length_bonus checks correct_by when the pipeline is compiled', () => {
    expect(() => compilePipeline({ rewards: [{ name: 'shaping.length_bonus', params: { correct_by: 'accuracy.nope' } }] })).toThrow(/cannot compile: unknown correct_by reward "accuracy\.nope"/);
    const p = compilePipeline({ rewards: [{ name: 'shaping.length_bonus', params: { correct_by: 'accuracy.number', unit: 'words', min_length: 0 } }] });
    const completions = ['<answer>42</answer> a b c', '<answer>42</answer>'];
    expect(p.scoreSync({ completion: completions[1]!, sample: mk({ number: 42 }), group: { completions, index: 1 } }).reward).toBe(0.2);
  });

  it('reasoning_pattern counts distinct phrases', () => {
    const c = '<think>Wait, wait. Let me verify this. Therefore it is B.</think><answer>B</answer>';
    expect(score('shaping.reasoning_pattern', { completion: c, sample: mk({}) })).toMatchObject({ score: 0.75 });
    expect(score('shaping.reasoning_pattern', { completion: c, sample: mk({}) }, { phrases: ['verify'], per_phrase: 1 }).score).toBe(1);
  });

  it('repetition penalises loops, not ordinary text', () => {
    const loop = 'the cat is on the left side of the image '.repeat(20);
    expect(score('shaping.repetition', { completion: loop, sample: mk({}) }).score).toBe(0); // period 10: not adjacent 8-grams
    const r = score('shaping.repetition', { completion: loop, sample: mk({}) }, { mode: 'any' });
    expect(r.score!).toBeLessThan(-0.3);
    expect(r.score!).toBeGreaterThanOrEqual(-0.5);
    expect(score('shaping.repetition', { completion: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen', sample: mk({}) }).score).toBe(0);
  });
});

describe('example pipelines', () => {
  const dir = join(import.meta.dirname, '../../examples/pipelines');
  it.each(readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)))('%s compiles', async (f) => {
    const p = await loadPipelineFile(join(dir, f));
    expect(p.components.length).toBeGreaterThan(0);
    const r = p.scoreSync({ completion: '<think>x</think><answer>{"bbox_2d": [1, 2, 30, 40]}</answer>', sample: mk({ bbox: [1, 2, 30, 40], choice: 'B' }) });
    expect(Number.isFinite(r.reward)).toBe(true);
  });
});
