/** Shared helpers of the server tests: pipeline folders and a stand-in-scorer server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import type { ServeOptionsInput } from '../../../src/server/options.js';

export const STAND_IN = new URL('./fixtures/stand-in-scorer.ts', import.meta.url).href;

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh folder with `files` (name -> content), removed when the test process exits. */
export function pipelineDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-serve-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export const BASIC = {
  'len.yaml': 'rewards:\n  - name: stub.length\n',
  'match.yaml': 'rewards:\n  - name: stub.match\n  - name: stub.length\n    weight: 0.5\n',
};

/** Starts a server on 127.0.0.1 with an ephemeral port and the stand-in scorer. */
export async function standIn(extra: Partial<ServeOptionsInput> = {}, files: Record<string, string> = BASIC): Promise<RunningServer> {
  return startServer({
    pipelinesDir: pipelineDir(files),
    port: 0,
    workers: 1,
    scorerModule: STAND_IN,
    log: () => undefined,
    ...extra,
  });
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

export function sample(answer: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 's', prompt: 'p', answer };
}
