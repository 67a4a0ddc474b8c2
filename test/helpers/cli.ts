/** Runs the glimpse CLI in-process with stdout/stderr captured (for CLI tests). */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process; returns exit code and captured output. */
export async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  process.exitCode = undefined;
  try {
    await main(['node', 'glimpse', ...args]);
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(''), stderr: err.join('') };
}
