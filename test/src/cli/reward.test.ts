import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../src/cli/main.js';
import { runReward, type RewardRunIO } from '../../../src/cli/reward/run.js';

const dir = mkdtempSync(join(tmpdir(), 'glimpse-reward-cli-'));
const PIPE = join(dir, 'rewards.yaml');
writeFileSync(
  PIPE,
  ['rewards:', '  - name: format.think_answer', '    weight: 0.5', '  - name: geometry.iou', '  - name: accuracy.choice', 'gate: format.think_answer', ''].join('\n'),
);

const good = (id: string, completion: string, answer: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, completion, sample: { id: `s-${id}`, prompt: 'p', answer }, ...extra });

function capture(): RewardRunIO & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (s: string) => (io.out += s), stderr: (s: string) => (io.err += s) };
  return io;
}

describe('glimpse reward (runReward)', () => {
  it('scores every valid line, reports malformed ones by line number and skips them', async () => {
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      [
        good('a', '<think>left</think><answer>{"bbox_2d": [50, 25, 150, 110]}</answer>', { bbox: [100, 50, 300, 220] }, { coords: { image_size: [1280, 960], input_size: [640, 480] } }),
        '{"id": "b", "completion": "<answer>x", ',
        '',
        good('c', 'no tags', { bbox: [0, 0, 10, 10], choice: 'B' }),
        JSON.stringify({ id: 'd', completion: 'x', sample: { answer: { bbox: [1, 2, 3] } } }),
        '[1, 2]',
        good('e', '<think>\n\n</think><answer>(B)</answer>', { choice: 'B' }),
      ].join('\n'),
    );
    const io = capture();
    const out = join(dir, 'sub', 'scored.jsonl');
    const r = await runReward({ pipeline: PIPE, input, out }, io);
    expect(r.read).toBe(6);
    expect(r.scored).toBe(3);
    expect(r.malformed.map((m) => m.line)).toEqual([2, 5, 6]);
    expect(io.err).toContain(`${input}:2: skipped: not JSON`);
    expect(io.err).toContain(`${input}:5: skipped: sample: answer.bbox`);
    expect(io.err).toContain(`${input}:6: skipped: expected an object`);
    expect(io.out).toBe('');
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', 'c', 'e']);
    // a: format 1 (x0.5) + IoU 1 after rescaling from the 640x480 input to the 1280x960 original; choice null
    expect(lines[0]).toMatchObject({ reward: 1.5, components: { 'format.think_answer': 1, 'geometry.iou': 1, 'accuracy.choice': null }, coords: { image_size: [1280, 960] } });
    // c: no tags: gated to 0
    expect(lines[1]).toMatchObject({ reward: 0, components: { 'format.think_answer': 0 } });
    expect(lines[1].reasons['format.think_answer']).toMatch(/no <think>/);
    // e: TON empty think passes; choice correct; no bbox -> IoU null
    expect(lines[2]).toMatchObject({ reward: 1.5, components: { 'format.think_answer': 1, 'geometry.iou': null, 'accuracy.choice': 1 } });
    // summary on stderr
    expect(io.err).toMatch(/3 scored, 3 malformed line\(s\) skipped, of 6 read/);
    expect(io.err).toMatch(/geometry\.iou\s+0\.5000\s+33\.3%/);
    expect(r.summary.components['accuracy.choice']!.null_share).toBeCloseTo(1 / 3);
    // no temp files left behind by the atomic write
    expect(readdirSync(join(dir, 'sub'))).toEqual(['scored.jsonl']);
  });

  it('writes to stdout without --out and adds details on request', async () => {
    const input = join(dir, 'one.jsonl');
    writeFileSync(input, good('x', '<think>a</think><answer>[0, 0, 10, 10]</answer>', { bbox: [0, 0, 10, 10] }) + '\n');
    const io = capture();
    await runReward({ pipeline: PIPE, input, details: true }, io);
    const line = JSON.parse(io.out);
    expect(line.reward).toBe(1.5);
    expect(line.details['geometry.iou']).toBeTypeOf('object');
  });

  it('groups records sharing a sample id for group-relative rewards', async () => {
    const pipe = join(dir, 'bonus.yaml');
    writeFileSync(pipe, 'rewards:\n  - name: shaping.length_bonus\n    params: {min_length: 2, unit: words}\n');
    const input = join(dir, 'group.jsonl');
    const sample = { id: 'q1', prompt: 'p', answer: { choice: 'B' } };
    writeFileSync(
      input,
      [
        { completion: '<answer>B</answer> one two three four', sample },
        { completion: '<answer>B</answer> one two', sample },
        { completion: '<answer>C</answer>', sample },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    const io = capture();
    await runReward({ pipeline: pipe, input }, io);
    expect(io.out.trim().split('\n').map((l) => JSON.parse(l).reward)).toEqual([0, 0.2, 0]);
  });

  it('rejects missing arguments, files and bad pipelines with named errors', async () => {
    const io = capture();
    await expect(runReward({ input: 'x' }, io)).rejects.toMatchObject({ code: 'bad_args', message: expect.stringContaining('--pipeline') });
    await expect(runReward({ pipeline: PIPE, input: join(dir, 'nope.jsonl') }, io)).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('nope.jsonl') });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rewards:\n  - name: geometry.iuo\n');
    await expect(runReward({ pipeline: bad, input: PIPE }, io)).rejects.toMatchObject({ code: 'bad_config', message: expect.stringMatching(/unknown reward "geometry\.iuo"; known rewards: .*geometry\.iou/) });
    writeFileSync(bad, 'rewards:\n  - name: format.think_answer\n    params: {mode: loose}\n');
    await expect(runReward({ pipeline: bad, input: PIPE }, io)).rejects.toMatchObject({ code: 'bad_config', message: expect.stringMatching(/rewards\[0\] \(format\.think_answer\): bad params: mode: .*valid params: mode/) });
  });

  it('reads standard input with --input -, CRLF line ends included', async () => {
    const { Readable } = await import('node:stream');
    const io = capture();
    io.stdin = Readable.from([good('s1', '<think>a</think><answer>(B)</answer>', { choice: 'B' }) + '\r\n', 'oops\r\n']);
    const r = await runReward({ pipeline: PIPE, input: '-' }, io);
    expect(r.scored).toBe(1);
    expect(io.err).toContain('stdin:2: skipped: not JSON');
    expect(JSON.parse(io.out).reward).toBe(1.5);
  });

  it('reports an unwritable --out and leaves no temporary file', async () => {
    const input = join(dir, 'w.jsonl');
    writeFileSync(input, good('w', 'x', { choice: 'B' }) + '\n');
    const target = join(dir, 'is-a-folder');
    mkdirSync(target, { recursive: true });
    await expect(runReward({ pipeline: PIPE, input, out: target }, capture())).rejects.toMatchObject({ code: 'unwritable', message: expect.stringContaining('is-a-folder') });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await expect(runReward({ pipeline: PIPE, input: dir }, capture())).rejects.toMatchObject({ code: 'bad_args', message: expect.stringContaining('is a folder') });
  });

  it('fails when no line at all is valid, after reporting them', async () => {
    const input = join(dir, 'allbad.jsonl');
    writeFileSync(input, 'x\n{"completion": 1}\n');
    const io = capture();
    await expect(runReward({ pipeline: PIPE, input }, io)).rejects.toMatchObject({ code: 'bad_input' });
    expect(io.err).toContain(':1: skipped');
    expect(io.err).toContain(':2: skipped');
  });

  it('survives hostile lines: 1 MB completions, unicode, NaN text, deep JSON', async () => {
    const input = join(dir, 'hostile.jsonl');
    writeFileSync(
      input,
      [
        good('big', `<think>${'a'.repeat(1 << 20)}</think><answer>[1, 2, 3, 4]</answer>`, { bbox: [1, 2, 3, 4] }),
        good('uni', '<think>猫 🙂</think><answer>{"bbox_2d": [１, 2, 3, 4]}</answer>', { bbox: [1, 2, 3, 4] }),
        '{"completion": "x", "sample": {"answer": {"number": NaN}}}',
        '['.repeat(100000),
      ].join('\n'),
    );
    const io = capture();
    const r = await runReward({ pipeline: PIPE, input }, io);
    expect(r.scored).toBe(2);
    expect(r.malformed.map((m) => m.line)).toEqual([3, 4]);
  });
});

describe('glimpse reward (command line)', () => {
  let err = '';
  let out = '';
  beforeEach(() => {
    err = '';
    out = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });

  it('is a command with options and room for subcommands', () => {
    const reward = buildProgram().commands.find((c) => c.name() === 'reward')!;
    expect(reward.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--pipeline', '--input', '--out', '--list']));
  });

  it('scores through main() and prints a one-line error without a stack on bad input', async () => {
    const input = join(dir, 'main.jsonl');
    writeFileSync(input, good('m', '<think>a</think><answer>(B)</answer>', { choice: 'B' }) + '\n');
    await main(['node', 'glimpse', 'reward', '--pipeline', PIPE, '--input', input]);
    expect(JSON.parse(out).reward).toBe(1.5);
    expect(process.exitCode ?? 0).toBe(0);
    await main(['node', 'glimpse', 'reward', '--pipeline', join(dir, 'missing.yaml'), '--input', input]);
    expect(process.exitCode).toBe(1);
    expect(err).toMatch(/glimpse: .*missing\.yaml: cannot read the pipeline file/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('dispatches registered subcommands and keeps the default action', async () => {
    const { REWARD_SUBCOMMANDS } = await import('../../../src/cli/reward/subcommands.js');
    let called = '';
    const sub = (reward: import('commander').Command) => {
      reward.command('fake').argument('<x>').action((x: string) => void (called = x));
    };
    REWARD_SUBCOMMANDS.push(sub);
    try {
      await main(['node', 'glimpse', 'reward', 'fake', 'hello']);
      expect(called).toBe('hello');
      await main(['node', 'glimpse', 'reward', '--list']);
      expect(out).toContain('format.think_answer');
    } finally {
      REWARD_SUBCOMMANDS.splice(REWARD_SUBCOMMANDS.indexOf(sub), 1);
    }
  });

  it('lists the rewards with --list', async () => {
    await main(['node', 'glimpse', 'reward', '--list']);
    for (const n of ['format.think_answer', 'accuracy.choice', 'geometry.iou', 'shaping.length_penalty']) expect(out).toContain(n);
  });
});
