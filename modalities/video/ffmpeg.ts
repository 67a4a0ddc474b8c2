/**
 * Running ffmpeg: which binary, and one call = one child process that never outlives the call.
 *
 * Binary: `FFMPEG_PATH`, else the one `@ffmpeg-installer/ffmpeg` ships, else `ffmpeg` on PATH.
 *
 * Processes are spawned directly (node:child_process) rather than through fluent-ffmpeg's
 * runner: glimpse needs exact argv control for per-frame input seeking, raw stdout, and a hard
 * guarantee that a timed-out, aborted or failed call has killed AND reaped its process before
 * the promise settles; fluent-ffmpeg's probe also requires an ffprobe binary that
 * @ffmpeg-installer does not ship.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GlimpseError } from '../../src/util/errors.js';

let cachedPath: { path: string; source: string } | undefined;

/** The ffmpeg binary to use and where it came from (`FFMPEG_PATH`, `@ffmpeg-installer/ffmpeg`, `PATH`). */
export function ffmpegBinary(): { path: string; source: string } {
  const env = process.env.FFMPEG_PATH;
  if (env) return { path: env, source: 'FFMPEG_PATH' };
  if (cachedPath) return cachedPath;
  try {
    const require = createRequire(import.meta.url);
    const inst = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    if (inst.path && existsSync(inst.path)) return (cachedPath = { path: inst.path, source: '@ffmpeg-installer/ffmpeg' });
  } catch {
    // not installed for this platform: fall through to PATH
  }
  return (cachedPath = { path: 'ffmpeg', source: 'PATH' });
}

const live = new Map<number, ChildProcess>();

/** PIDs of ffmpeg processes started by this module that have not exited yet (for tests). */
export function liveFfmpegPids(): number[] {
  return [...live.keys()];
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live.values()) p.kill('SIGKILL');
  });
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

export interface RunOptions {
  /** Kill the process and reject with GlimpseError('timeout') after this many ms. */
  timeoutMs: number;
  /** Kill the process and reject when aborted. */
  signal?: AbortSignal;
  /** Kill and reject with GlimpseError('too_large') when stdout exceeds this many bytes. */
  maxStdoutBytes?: number;
  /** Name used in error messages (the media file). */
  name: string;
}

const STDERR_CAP = 256 * 1024;

/**
 * Runs ffmpeg with `args` (`-hide_banner -nostdin` are prepended). Resolves when the process has
 * exited, whatever its exit code; rejects with a GlimpseError on timeout, abort, oversize output
 * or a binary that cannot be started — in every case only after the process is gone.
 */
export function runFfmpeg(args: string[], opts: RunOptions): Promise<RunResult> {
  installExitHook();
  const bin = ffmpegBinary();
  return new Promise<RunResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new GlimpseError('aborted', `${opts.name}: ffmpeg call aborted`));
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(bin.path, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (e) {
      reject(new GlimpseError('not_available', `ffmpeg could not be started (${bin.path} from ${bin.source}): ${String(e)}`, 'install ffmpeg or set FFMPEG_PATH'));
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: GlimpseError | undefined;
    const kill = (why: GlimpseError) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    if (child.pid !== undefined) live.set(child.pid, child);
    const timer = setTimeout(() => kill(new GlimpseError('timeout', `${opts.name}: ffmpeg took longer than ${opts.timeoutMs} ms and was stopped`)), opts.timeoutMs);
    const onAbort = () => kill(new GlimpseError('aborted', `${opts.name}: ffmpeg call aborted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (opts.maxStdoutBytes !== undefined && outBytes > opts.maxStdoutBytes) {
        kill(new GlimpseError('too_large', `${opts.name}: ffmpeg output exceeds ${opts.maxStdoutBytes} bytes`));
        return;
      }
      out.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < STDERR_CAP) err += d.toString('utf8');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      failure ??=
        e.code === 'ENOENT'
          ? new GlimpseError('not_available', `ffmpeg not found (${bin.path} from ${bin.source})`, 'install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH')
          : new GlimpseError('not_available', `ffmpeg could not be run (${bin.path}): ${e.message}`);
    });
    // 'close' fires after the process exited AND its pipes closed: nothing is left behind
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined) live.delete(child.pid);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(out), stderr: err, code });
    });
  });
}

/** The last meaningful line of ffmpeg's stderr (for error messages). */
export function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('[Parsed_') && !/^At least one output file/.test(l));
  return (lines[lines.length - 1] ?? 'unknown error').slice(0, 300);
}
