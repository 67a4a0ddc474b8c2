/**
 * `glimpse serve` as a real process (from sources, via tsx): start-up message, SIGHUP reload
 * (good and bad), SIGTERM draining an in-flight request, and a bad pipeline stopping start-up
 * with one clear line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STAND_IN, pipelineDir, post, sample } from './helpers.js';

const ENTRY = fileURLToPath(new URL('./fixtures/cli-main.ts', import.meta.url));
const LEN = 'rewards:\n  - name: stub.length\n';

function serve(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', '--scorer', STAND_IN, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('glimpse serve (process)', () => {
  it('starts, reloads on SIGHUP, keeps the old set on a bad reload, drains on SIGTERM', async () => {
    const dir = pipelineDir({ 'len.yaml': LEN, 'slow.yaml': 'rewards:\n  - name: stub.slow\n    params: {ms: 800}\n' });
    const p = serve(['--pipelines', dir, '--port', '0', '--workers', '1', '--default', 'len', '--api-key-env', 'GLIMPSE_TEST_KEY'], { GLIMPSE_TEST_KEY: 'abc' });
    try {
      await until(() => p.out().includes('listening on'), 'the listening line');
      const url = /listening on (http:\/\/[^ ]+)/.exec(p.out())![1]!;
      expect(p.out()).toContain('pipelines: len, slow; default: len; workers: 1');
      const auth = { authorization: 'Bearer abc' };
      expect((await post(`${url}/v1/rewards`, { items: [{ completion: 'ab', sample: sample() }] }, auth)).json.results[0].reward).toBeCloseTo(0.02);

      writeFileSync(join(dir, 'more.yaml'), LEN);
      p.child.kill('SIGHUP');
      await until(async () => ((await (await fetch(`${url}/healthz`)).json()) as any).pipelines.includes('more'), 'the reload');

      writeFileSync(join(dir, 'worse.yaml'), 'rewards:\n  - name: nope.nope\n');
      p.child.kill('SIGHUP');
      await until(() => p.err().includes('reload failed'), 'the failed reload');
      expect(p.err()).toMatch(/reload failed, still serving len, more, slow: .*worse\.yaml/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      const inflight = post(`${url}/v1/rewards`, { pipeline: 'slow', items: [{ completion: 'a', sample: sample() }] }, auth);
      await new Promise((r) => setTimeout(r, 200));
      p.child.kill('SIGTERM');
      expect((await inflight).status).toBe(200);
      expect(await p.exited).toBe(0);
      expect(p.err()).toContain('SIGTERM: draining');
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('a bad pipeline stops start-up with one line naming the file', async () => {
    const dir = pipelineDir({ 'ok.yaml': LEN, 'typo.yaml': 'rewards:\n  - name: stub.lenght\n' });
    const p = serve(['--pipelines', dir, '--port', '0']);
    const code = await p.exited;
    expect(code).toBe(1);
    expect(p.err()).toMatch(/^glimpse: .*typo\.yaml: rewards\[0\]: unknown reward "stub\.lenght"/);
    expect(p.err()).not.toContain('    at ');
  });

  it('refuses an unset --api-key-env variable and bad numbers', async () => {
    const dir = pipelineDir({ 'ok.yaml': LEN });
    const a = serve(['--pipelines', dir, '--api-key-env', 'GLIMPSE_SURELY_UNSET_VAR']);
    expect(await a.exited).toBe(1);
    expect(a.err()).toContain('--api-key-env GLIMPSE_SURELY_UNSET_VAR: the environment variable is unset or empty');
    const b = serve(['--pipelines', dir, '--port', '99999']);
    expect(await b.exited).not.toBe(0);
    expect(b.err()).toContain('expected an integer in [0, 65535]');
  });
});
