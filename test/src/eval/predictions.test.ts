import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPredictionsModel, readPredictions } from '../../../src/eval/models/predictions.js';
import { tempDir } from './helpers.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('predictions files', () => {
  it('reads completions under any of the usual keys, numeric ids and coords records', async () => {
    const p = join(t.dir, 'p.jsonl');
    writeFileSync(p, ['{"id": "a", "completion": "x"}', '', '{"id": 7, "text": "y"}', '{"id": "c", "response": "z", "coords": {"image_size": [640, 480], "space": "norm1000"}}'].join('\n'));
    const m = await readPredictions(p);
    expect(m.get('a')).toEqual({ text: 'x' });
    expect(m.get('7')).toEqual({ text: 'y' });
    expect(m.get('c')).toEqual({ text: 'z', coords: { original: [640, 480], input: [640, 480], space: 'norm1000' } });
    const model = await createPredictionsModel(p);
    const gs = await model.generate([{ id: 'a', prompt: '' }, { id: 'missing', prompt: '' }], { temperature: 0, maxTokens: 1 });
    expect(gs[0]).toEqual({ text: 'x' });
    expect(gs[1]!.error).toMatch(/no prediction for id "missing"/);
  });

  it('names the line and the cause for corrupt files', async () => {
    const p = join(t.dir, 'p.jsonl');
    const cases: Array<[string, RegExp]> = [
      ['{"id": "a", "completion": "x"}\n{"id": "b", "compl', /p\.jsonl:2: not JSON/],
      ['[1, 2]', /p\.jsonl:1: expected an object/],
      ['{"id": "a"}', /p\.jsonl:1: needs a string "id" and a string "completion"/],
      ['{"id": "a", "completion": 5}', /p\.jsonl:1: needs a string "id"/],
      ['{"id": "a", "completion": "x", "coords": {"image_size": [0, 10]}}', /p\.jsonl:1: "coords" must be/],
    ];
    for (const [text, re] of cases) {
      writeFileSync(p, text);
      await expect(readPredictions(p)).rejects.toThrow(re);
    }
    await expect(readPredictions(join(t.dir, 'none.jsonl'))).rejects.toThrow(/file not found \(expected JSONL lines/);
    await expect(readPredictions(t.dir)).rejects.toThrow(/file not found/);
  });

  it('keeps a 1 MB unicode completion intact', async () => {
    const p = join(t.dir, 'p.jsonl');
    const big = 'ü🙂'.repeat(300_000);
    writeFileSync(p, JSON.stringify({ id: 'a', completion: big }) + '\n');
    expect((await readPredictions(p)).get('a')!.text).toBe(big);
  });
});
