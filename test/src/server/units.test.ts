import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiKeyChecker, presentedKey } from '../../../src/server/auth.js';
import { Counter, Histogram, ServerMetrics } from '../../../src/server/metrics.js';
import { completionFromQuery, parseLabel } from '../../../src/server/openrlhf.js';
import { readPipelineDir, resolveDefault } from '../../../src/server/pipelines.js';
import { handleJob, type ScoreContext } from '../../../src/server/protocol.js';
import { parseItem } from '../../../src/server/record.js';
import { parseBytes } from '../../../src/cli/serve.js';
import { createScorer } from './fixtures/stand-in-scorer.js';
import { pipelineDir } from './helpers.js';

const enc = new TextEncoder();
const ctx: ScoreContext = {
  scorer: createScorer([
    { name: 'len', file: 'len.yaml', spec: { rewards: [{ name: 'stub.length' }] } },
    { name: 'match', file: 'match.yaml', spec: { rewards: [{ name: 'stub.match' }] } },
  ]),
  defaultPipeline: 'match',
};

describe('completionFromQuery (OpenRLHF query minus prompt)', () => {
  it('strips the prompt as a prefix, after left padding, or by its tail', () => {
    expect(completionFromQuery('PROMPT answer', 'PROMPT')).toBe(' answer');
    expect(completionFromQuery('<pad><pad><s>PROMPT answer', 'PROMPT')).toBe(' answer');
    const long = `system: be nice. ${'x'.repeat(100)} user: where is the cat?`;
    const decoded = `system:  be nice. ${'x'.repeat(100)} user: where is the cat? <box>[1,2,3,4]</box>`;
    expect(completionFromQuery(decoded, long)).toBe(' <box>[1,2,3,4]</box>');
    expect(completionFromQuery('unrelated', 'PROMPT')).toBe('unrelated');
    expect(completionFromQuery('anything', undefined)).toBe('anything');
  });
  it('drops trailing end-of-turn and padding tokens', () => {
    expect(completionFromQuery('P a<|im_end|>', 'P')).toBe(' a');
    expect(completionFromQuery('P a<|im_end|><|endoftext|><|endoftext|>\n', 'P')).toBe(' a');
    expect(completionFromQuery('P a</s>', 'P')).toBe(' a');
    expect(completionFromQuery('P <|im_end|> mid', 'P')).toBe(' <|im_end|> mid');
  });
  it('never throws and returns a suffix of the query (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), (q, p) => {
        const c = completionFromQuery(q, p);
        return typeof c === 'string' && c.length <= q.length;
      }),
    );
  });
  it('handles a 1 MB query', () => {
    const q = 'p'.repeat(1_000_000) + 'answer';
    expect(completionFromQuery(q, 'p'.repeat(1_000_000))).toBe('answer');
  });
});

describe('parseLabel', () => {
  it('reads JSON labels, plain text, null', () => {
    expect(parseLabel('{"answer": {"bbox": [1,2,3,4]}, "pipeline": "iou"}', 0)).toEqual({ answer: { bbox: [1, 2, 3, 4] }, pipeline: 'iou' });
    expect(parseLabel('42', 0)).toEqual({ answer: { text: '42' } });
    expect(parseLabel('{not json', 0)).toEqual({ answer: { text: '{not json' } });
    expect(parseLabel('{"name": "x"}', 0)).toEqual({ answer: { text: '{"name": "x"}' } });
    expect(parseLabel(null, 0)).toEqual({ answer: {} });
    expect(parseLabel({ answer: { choice: 'B' } }, 0)).toEqual({ answer: { choice: 'B' } });
  });
  it('rejects wrong types and unknown keys, naming the label', () => {
    expect(() => parseLabel(5, 3)).toThrow(/labels\[3\]: must be a string/);
    expect(() => parseLabel({ answer: {}, anwser: 1 }, 1)).toThrow(/labels\[1\]: unknown key "anwser"/);
    expect(() => parseLabel({ coords: {} }, 2)).toThrow(/labels\[2\]: a label object needs "answer"/);
  });
});

describe('parseItem', () => {
  it('builds a RewardInput with a CoordinateMap', () => {
    const r = parseItem({ id: 7, completion: 'c', sample: { id: 's', prompt: '', answer: {} }, coords: { image_size: [100, 50], space: 'norm1000' } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.id).toBe('7');
      expect(r.input.coords?.boxToOriginal([0, 0, 1000, 1000])).toEqual([0, 0, 100, 50]);
    }
  });
  it('explains what is wrong', () => {
    expect(parseItem(null)).toEqual({ ok: false, error: expect.stringContaining('got null') });
    expect(parseItem({ completion: 'c' })).toEqual({ ok: false, error: expect.stringContaining('sample:') });
    expect(parseItem({ completion: 'c', sample: { id: 's', prompt: '', answer: {} }, coords: { image_size: [1, 1], region: [5, 5, 1, 1] } })).toEqual({
      ok: false,
      error: expect.stringContaining('coords: CoordinateMap: region'),
    });
  });
});

describe('handleJob (worker side, no threads)', () => {
  it('never throws and answers 200 or 4xx with a message for any JSON (property)', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ query: fc.array(fc.oneof(fc.string(), fc.integer())), prompts: fc.option(fc.array(fc.string())), labels: fc.option(fc.array(fc.oneof(fc.string(), fc.jsonValue()))) }),
      fc.record({ pipeline: fc.option(fc.constantFrom('len', 'match', 'zzz', '')), items: fc.array(fc.record({ completion: fc.string(), sample: fc.jsonValue() })) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('get_reward' as const, 'rewards' as const), body, async (route, b) => {
        const r = await handleJob(route, enc.encode(JSON.stringify(b) ?? 'null'), ctx);
        expect([200, 400, 404]).toContain(r.status);
        const parsed = JSON.parse(r.body);
        if (r.status !== 200) expect(typeof parsed.error.message).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
  it('rejects invalid UTF-8, NaN literals and truncated JSON', async () => {
    expect((await handleJob('rewards', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), ctx)).body).toContain('UTF-8');
    expect((await handleJob('rewards', enc.encode('{"items": [NaN]}'), ctx)).status).toBe(400);
    expect((await handleJob('get_reward', enc.encode('{"query": ["a"'), ctx)).body).toContain('not valid JSON');
  });
  it('survives deeply nested JSON (1 MB of brackets) in the body and in a label', async () => {
    const deep = '['.repeat(500_000) + ']'.repeat(500_000);
    const r = await handleJob('rewards', enc.encode(deep), ctx);
    expect([400]).toContain(r.status);
    const inLabel = await handleJob('get_reward', enc.encode(JSON.stringify({ query: ['x'], labels: [`{"answer": ${'['.repeat(100_000)}`] })), ctx);
    expect(inLabel.status).toBe(200); // not JSON: plain text
    const nestedAnswer = await handleJob('rewards', enc.encode(`{"items": [{"completion": "a", "sample": {"answer": {"meta": ${'['.repeat(5000)}${']'.repeat(5000)}}}}]}`), ctx);
    expect([200, 400]).toContain(nestedAnswer.status);
  });

  it('scores unicode and a 1 MB completion', async () => {
    const r = await handleJob('get_reward', enc.encode(JSON.stringify({ query: ['🐈 猫 cat', 'x'.repeat(1 << 20)], labels: ['猫', 'y'] })), ctx);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).rewards).toEqual([1, 0]);
    expect(r.scored).toEqual({ match: 2 });
  });
});

describe('metrics text', () => {
  it('renders counters and cumulative histograms in Prometheus format, escaping labels', () => {
    const c = new Counter('x_total', 'help');
    c.inc({ a: 'q"\\\n' });
    expect(c.render()).toContain('x_total{a="q\\"\\\\\\n"} 1');
    const h = new Histogram('h_seconds', 'help', [0.1, 1]);
    h.observe({ r: 'a' }, 0.05);
    h.observe({ r: 'a' }, 0.5);
    h.observe({ r: 'a' }, 5);
    const t = h.render();
    expect(t).toContain('h_seconds_bucket{r="a",le="0.1"} 1');
    expect(t).toContain('h_seconds_bucket{r="a",le="1"} 2');
    expect(t).toContain('h_seconds_bucket{r="a",le="+Inf"} 3');
    expect(t).toContain('h_seconds_count{r="a"} 3');
    const m = new ServerMetrics();
    m.start();
    const text = m.render();
    m.stop();
    expect(text).toMatch(/# TYPE glimpse_queue_depth gauge\nglimpse_queue_depth 0/);
    expect(text).toMatch(/# TYPE glimpse_main_thread_cpu_seconds_total counter\nglimpse_main_thread_cpu_seconds_total (\d|NaN)/);
    expect(text).toMatch(/nodejs_eventloop_delay_p99_seconds /);
  });
});

describe('API key check', () => {
  it('accepts only the exact key, from either header', () => {
    const check = apiKeyChecker('k-123');
    expect(check({ authorization: 'Bearer k-123' })).toBe(true);
    expect(check({ authorization: 'bearer   k-123  ' })).toBe(true);
    expect(check({ 'x-api-key': 'k-123' })).toBe(true);
    expect(check({ authorization: 'Bearer k-12' })).toBe(false);
    expect(check({ authorization: 'Basic k-123' })).toBe(false);
    expect(check({})).toBe(false);
    expect(check({ 'x-api-key': '' })).toBe(false);
    expect(presentedKey({ authorization: 'Bearer a b' })).toBe('a b');
  });
});

describe('pipeline folder', () => {
  it('reads .yaml, .yml and .json, sorted; ignores other files', async () => {
    const dir = pipelineDir({ 'b.yml': 'rewards: []', 'a.json': '{"rewards": []}', 'c.yaml': 'rewards: []', 'README.md': '#', '.hidden.yaml': 'x' });
    const s = await readPipelineDir(dir);
    expect(s.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(s[0]!.spec).toEqual({ rewards: [] });
  });
  it('refuses bad names and huge files', async () => {
    await expect(readPipelineDir(pipelineDir({ 'bad name.yaml': 'a: 1' }))).rejects.toThrow(/pipeline name "bad name"/);
    await expect(readPipelineDir(pipelineDir({ 'big.yaml': `a: "${'x'.repeat(1_100_000)}"` }))).rejects.toThrow(/at most 1 MiB/);
    expect(resolveDefault(['a'], undefined)).toBe('a');
    expect(resolveDefault(['a', 'b'], undefined)).toBeUndefined();
  });
});

describe('--max-body sizes', () => {
  it('parses bytes and binary units, refuses nonsense', () => {
    expect(parseBytes('1048576')).toBe(1048576);
    expect(parseBytes('512k')).toBe(512 * 1024);
    expect(parseBytes('32m')).toBe(32 * 1024 * 1024);
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
    expect(() => parseBytes('lots')).toThrow(/expected a size/);
    expect(() => parseBytes('0')).toThrow(/between 1 byte/);
    expect(() => parseBytes('9g')).toThrow(/between 1 byte/);
  });
});
