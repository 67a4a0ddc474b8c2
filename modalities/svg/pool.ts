/**
 * A pool of SVG render processes, one per core by default. Each process renders one SVG at a
 * time; a render that runs past its timeout is abandoned: its process is killed and replaced,
 * the caller gets GlimpseError('timeout'), and the other processes carry on with the queue.
 * A process that dies (resvg aborts the process on a few inputs, e.g. an feComposite with a
 * huge filter region) is likewise replaced and its caller gets GlimpseError('render_crash').
 *
 * Processes rather than worker threads: a Rust panic inside resvg's native code ends the whole
 * process, threads included, so only a process boundary keeps the caller alive.
 *
 * Idle processes do not keep Node running; `close()` ends them at once.
 *
 * @example
 *   const pool = new SvgRenderPool({ size: 2, timeoutMs: 5000 });
 *   const r = await pool.render('<svg ...>...</svg>', { width: 256, height: 256 });
 *   await pool.close();
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GlimpseError } from '../../src/util/errors.js';
import { DEFAULT_SVG_TIMEOUT_MS } from './limits.js';
import type { RasterOptions, RasterResult } from './raster.js';

export interface SvgPoolOptions {
  /** Number of render processes; default: the number of cores. */
  size?: number;
  /** Default time allowed to one render, in ms (10 s). */
  timeoutMs?: number;
  /**
   * Renders sent ahead to each process (default 2), so a process never waits for the parent to
   * hand it the next SVG; the timeout of each still counts from when its process starts on it.
   * More than 2 rarely helps and leaves one process busy while another has nothing left to do.
   */
  pipeline?: number;
}

export interface SvgPoolStats {
  /** Processes started, replacements included. */
  started: number;
  timeouts: number;
  crashes: number;
  rendered: number;
}

interface Job {
  id: number;
  svg: string;
  options: RasterOptions;
  timeoutMs: number;
  resolve: (r: RasterResult) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  proc: ChildProcess;
  /** The process has loaded and said so; jobs (and their timers) start only then. */
  ready: boolean;
  /** Jobs sent to the process, in the order it renders them; the first is the one running. */
  jobs: Job[];
  timer?: NodeJS.Timeout;
  stderr: string;
}

type Reply = { ready: true } | { id: number; ok: true; result: RasterResult } | { id: number; ok: false; code: string; message: string };

const FROM_SOURCES = import.meta.url.endsWith('.ts');
const CHILD_STDIO: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'ignore', 'pipe', 'ipc'];

/** undefined: not tried yet; null: bundling is unavailable here (use the tsx bootstrap). */
let sourceBundle: string | null | undefined;

/**
 * From TypeScript sources (tsx, vitest): the render process's code bundled into one plain ES
 * module with esbuild (tsx's own compiler), written once under node_modules/.cache/glimpse and
 * named by its content hash. A process then starts in plain Node in ~0.1 s of CPU instead of
 * ~0.5 s with a TypeScript loader, which matters each time a crashed or timed-out renderer is
 * replaced. Null when esbuild or the cache folder is unavailable.
 */
function bundledChild(): string | null {
  if (sourceBundle !== undefined) return sourceBundle;
  sourceBundle = null;
  try {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as { buildSync(o: object): { outputFiles: Array<{ text: string }> } };
    const entry = fileURLToPath(new URL('./render.child.ts', import.meta.url));
    const built = esbuild.buildSync({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@resvg/resvg-js'],
      write: false,
      logLevel: 'silent',
    });
    const text = built.outputFiles[0]?.text;
    if (!text) return null;
    // next to the resvg package the bundle imports, so Node resolves it from there
    const modules = dirname(dirname(dirname(require.resolve('@resvg/resvg-js/package.json'))));
    const dir = join(modules, '.cache', 'glimpse');
    const file = join(dir, `svg-render-child-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
      // bundles of older sources: removed after a day (a pool started before may still need one)
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (/^svg-render-child-[0-9a-f]+\.mjs(\.\d+\.tmp)?$/.test(f) && p !== file && Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { force: true });
      }
    }
    sourceBundle = file;
  } catch {
    /* no esbuild or no writable cache: the tsx bootstrap below */
  }
  return sourceBundle;
}

/**
 * This process's Node flags without module loaders (`--import`, `--require`, `--loader`): under
 * tsx or vitest they would load a TypeScript loader into each render process (~0.3 s of CPU per
 * start) that the bundled module does not need. Other flags (memory limits, ...) are kept.
 * Exported for tests.
 */
export function execArgvWithoutLoaders(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-r' || /^--(require|import|loader|experimental-loader)$/.test(a)) i++;
    else if (!/^--(require|import|loader|experimental-loader)=/.test(a)) out.push(a);
  }
  return out;
}

function spawnRenderer(): ChildProcess {
  const opts = { serialization: 'advanced' as const, stdio: CHILD_STDIO };
  const entry = new URL(FROM_SOURCES ? './render.child.ts' : './render.child.js', import.meta.url);
  if (!FROM_SOURCES) return fork(fileURLToPath(entry), [], opts);
  const bundle = bundledChild();
  if (bundle) return fork(bundle, [], { ...opts, execArgv: execArgvWithoutLoaders() });
  const boot = fileURLToPath(new URL('./child-boot.mjs', import.meta.url));
  return fork(boot, [pathToFileURL(fileURLToPath(entry)).href], opts);
}

export class SvgRenderPool {
  readonly size: number;
  readonly timeoutMs: number;
  readonly pipeline: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  /** A started, idle process kept aside to replace a killed or crashed one at once. */
  private standby: Slot | undefined;
  private nextId = 1;
  private bootFailures = 0;
  private closed = false;
  private readonly counts: SvgPoolStats = { started: 0, timeouts: 0, crashes: 0, rendered: 0 };

  constructor(opts: SvgPoolOptions = {}) {
    const size = opts.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new GlimpseError('bad_config', `SvgRenderPool: size must be an integer in 1..256, got ${size}`);
    const t = opts.timeoutMs ?? DEFAULT_SVG_TIMEOUT_MS;
    if (!(t > 0)) throw new GlimpseError('bad_config', `SvgRenderPool: timeoutMs must be positive, got ${t}`);
    this.size = size;
    this.timeoutMs = t;
    this.pipeline = Math.max(1, Math.min(64, Math.floor(opts.pipeline ?? 2)));
  }

  get stats(): SvgPoolStats {
    return { ...this.counts };
  }

  /**
   * Renders `svg` in a pool process (sanitise, gate, render; see raster.ts). Rejects with the
   * render's GlimpseError, or `timeout` / `render_crash`, or `closed` after close().
   */
  render(svg: string, options: RasterOptions & { timeoutMs?: number } = {}): Promise<RasterResult> {
    if (this.closed) return Promise.reject(new GlimpseError('closed', 'SvgRenderPool: the pool is closed'));
    const { timeoutMs, ...raster } = options;
    return new Promise<RasterResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, svg: String(svg), options: raster, timeoutMs: timeoutMs ?? this.timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every process; queued and running renders reject with GlimpseError('closed'). */
  async close(): Promise<void> {
    this.closed = true;
    const err = new GlimpseError('closed', 'SvgRenderPool: the pool was closed before the render finished');
    for (const j of this.queue.splice(0)) j.reject(err);
    const exits: Array<Promise<void>> = [];
    const all = this.slots.splice(0);
    if (this.standby) all.push(this.standby);
    this.standby = undefined;
    for (const s of all) {
      if (s.timer) clearTimeout(s.timer);
      for (const j of s.jobs.splice(0)) j.reject(err);
      if (s.proc.exitCode === null && s.proc.signalCode === null) {
        exits.push(new Promise<void>((r) => s.proc.once('exit', () => r())));
        s.proc.ref(); // an unreferenced process would let Node exit before its 'exit' event
        s.proc.kill('SIGKILL');
      }
    }
    await Promise.all(exits);
  }

  private startSlot(): Slot {
    const proc = spawnRenderer();
    this.counts.started++;
    const slot: Slot = { proc, ready: false, jobs: [], stderr: '' };
    proc.stderr?.on('data', (d: Buffer) => {
      slot.stderr = (slot.stderr + d.toString('utf8')).slice(-2000);
    });
    proc.on('message', (m: Reply) => this.onMessage(slot, m));
    proc.on('exit', (code, signal) => this.onExit(slot, code, signal));
    proc.on('error', () => {
      /* reported through 'exit' */
    });
    return slot; // referenced until ready: a queued job waits for it
  }

  private idle(slot: Slot): void {
    slot.proc.unref();
    slot.proc.channel?.unref();
    (slot.proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private busy(slot: Slot): void {
    slot.proc.ref();
    slot.proc.channel?.ref();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // the ready process with the fewest jobs in flight, below the pipeline depth
      let slot: Slot | undefined;
      for (const c of this.slots) if (c.ready && c.jobs.length < this.pipeline && (!slot || c.jobs.length < slot.jobs.length)) slot = c;
      if (!slot || (slot.jobs.length > 0 && this.slots.length < this.size)) {
        // start processes up to `size`; jobs wait for one to say it is ready
        let starting = this.slots.filter((c) => !c.ready).length;
        while (this.slots.length < this.size && starting < this.queue.length) {
          this.slots.push(this.takeStandby() ?? this.startSlot());
          starting++;
        }
        if (!slot) {
          if (this.slots.some((c) => c.ready && c.jobs.length < this.pipeline)) continue;
          return;
        }
      }
      const job = this.queue.shift()!;
      slot.jobs.push(job);
      this.busy(slot);
      if (slot.jobs.length === 1) this.startTimer(slot);
      slot.proc.send({ id: job.id, svg: job.svg, options: job.options });
    }
    // every job has a process: now (not while renders wait for a core) start the standby
    if (this.slots.length > 0) this.ensureStandby();
  }

  /** The standby process (ready or still starting), removed from standby; undefined if none. */
  private takeStandby(): Slot | undefined {
    const s = this.standby;
    this.standby = undefined;
    if (s) this.busy(s);
    return s;
  }

  /**
   * Starts a standby process when none is kept: once the pool is in use, and only when no job
   * waits in the queue, so starting it (~0.1 s of CPU) does not delay renders; a process lost
   * while jobs wait is replaced by a fresh one.
   */
  private ensureStandby(): void {
    if (this.standby || this.closed) return;
    const s = this.startSlot();
    this.standby = s;
    this.idle(s);
  }

  /** Starts the timeout of the job the process is now rendering (the first in flight). */
  private startTimer(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    const head = slot.jobs[0];
    slot.timer = head ? setTimeout(() => this.onTimeout(slot), head.timeoutMs) : undefined;
  }

  private onMessage(slot: Slot, m: Reply): void {
    if ('ready' in m) {
      slot.ready = true;
      this.bootFailures = 0;
      if (slot === this.standby) return;
      this.dispatch();
      if (slot.jobs.length === 0) this.idle(slot);
      return;
    }
    const job = slot.jobs[0];
    if (!job || job.id !== m.id) return;
    slot.jobs.shift();
    this.startTimer(slot);
    if (slot.jobs.length === 0) this.idle(slot);
    if (m.ok) {
      this.counts.rendered++;
      const r = m.result;
      r.data = new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      if (r.png) r.png = new Uint8Array(r.png.buffer, r.png.byteOffset, r.png.byteLength);
      job.resolve(r);
    } else job.reject(new GlimpseError(m.code, m.message));
    this.dispatch();
  }

  /** Ends `slot`'s process; the jobs it had not started go back to the front of the queue. */
  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.proc.removeAllListeners('exit');
    slot.proc.removeAllListeners('message');
    if (slot.proc.exitCode === null && slot.proc.signalCode === null) slot.proc.kill('SIGKILL');
    this.queue.unshift(...slot.jobs.splice(0));
    if (!this.closed) this.dispatch();
  }

  private onTimeout(slot: Slot): void {
    const job = slot.jobs.shift();
    if (!job) return;
    this.counts.timeouts++;
    const name = job.options.name ?? 'svg';
    job.reject(new GlimpseError('timeout', `${name}: render abandoned after ${job.timeoutMs} ms`));
    this.replace(slot);
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot === this.standby) {
      // a standby that died is simply dropped; the next replacement starts fresh
      this.standby = undefined;
      if (!slot.ready) this.bootFailures++;
      return;
    }
    // the process renders its jobs in order: the first unanswered one is the one that crashed it
    const job = slot.jobs.shift();
    if (!slot.ready && ++this.bootFailures >= 3) {
      // the renderer cannot start at all (broken install): fail the queue instead of respawning forever
      const tail = slot.stderr.trim().split('\n').pop() ?? `exit ${signal ?? code}`;
      const err = new GlimpseError('render_crash', `SVG render process fails to start (${tail.slice(0, 200)})`);
      for (const j of [...slot.jobs.splice(0), ...this.queue.splice(0)]) j.reject(err);
      this.bootFailures = 0;
    }
    if (job) {
      this.counts.crashes++;
      const name = job.options.name ?? 'svg';
      const why = slot.stderr.split('\n').find((l) => /panicked|assertion|fatal|error/i.test(l))?.trim();
      job.reject(
        new GlimpseError('render_crash', `${name}: the SVG renderer crashed (${why ? why.slice(0, 200) : `exit ${signal ?? code}`})`),
      );
    }
    this.replace(slot);
  }
}

let shared: SvgRenderPool | undefined;

/** The process-wide pool used by renderSvg (one process per core, started lazily). */
export function defaultSvgPool(): SvgRenderPool {
  if (!shared) shared = new SvgRenderPool();
  return shared;
}

/** Closes the process-wide pool (a later render starts a new one). */
export async function closeDefaultSvgPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
