/**
 * The pool of scoring worker threads: a FIFO queue of jobs, one job per worker at a time, a
 * deadline per job, and replacement of workers that crash or get stuck.
 *
 * - `run()` resolves with the worker's JobResult, or rejects with {@link DeadlineError} when the
 *   deadline passes first (the job leaves the queue; a running job's result is discarded) or
 *   {@link WorkerLostError} when its worker dies.
 * - A worker still busy `stuckGraceMs` after its job's deadline is terminated and replaced.
 * - `reload()` sends new pipelines to every worker; each swaps them between two jobs.
 *
 * The queue itself is unbounded: the HTTP layer admits at most `--queue` requests (http.ts).
 */
import type { Worker } from 'node:worker_threads';
import { describeError } from '../util/errors.js';
import { spawnWorker } from '../util/worker.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import type { JobResult, JobRoute } from './protocol.js';

export class DeadlineError extends Error {
  constructor(readonly where: 'queued' | 'running') {
    super(`deadline passed while the request was ${where === 'queued' ? 'waiting for a worker' : 'being scored'}`);
  }
}
export class WorkerLostError extends Error {}
export class PoolClosedError extends Error {}
export class CancelledError extends Error {}

interface Job {
  id: number;
  route: JobRoute;
  body: Uint8Array;
  /** When the worker started it (performance.now()), 0 before. */
  started: number;
  done: boolean;
  /** When its deadline passed (performance.now()), for the stuck-worker watchdog. */
  expiredAt?: number;
  timer?: NodeJS.Timeout;
  resolve(r: JobResult): void;
  reject(e: Error): void;
}

interface Slot {
  index: number;
  worker: Worker | null;
  ready: boolean;
  gen: number;
  /** Jobs sent to the worker, in order: [0] is running, the rest wait in its inbox. */
  jobs: Job[];
  failures: number;
  /** What the worker said before it died, if anything. */
  fatal?: string;
  reloadAck?: (error?: string) => void;
}

export interface PoolOptions {
  size: number;
  /** The current pipelines and scorer, for workers started now. */
  init(): WorkerInit;
  stuckGraceMs: number;
  log(line: string): void;
  /** Called when a worker is replaced, with why (`stuck`, `crashed`, `fatal`). */
  onRestart?(reason: string): void;
}

/**
 * Jobs a worker holds at once: the one it runs and one waiting in its inbox, so that it starts
 * the next as soon as it finishes, without waiting for the main thread (which may be slow to
 * answer under load) to hand it one.
 */
const DEPTH = 2;

const ENTRY = new URL('./worker.js', import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private queue: Job[] = [];
  private closed = false;
  private nextId = 1;
  private gen = 0;
  private idleWaiters: Array<() => void> = [];
  private startWaiter: { resolve(): void; reject(e: Error): void; pending: number } | null = null;
  /** Moving average of a job's time in a worker, ms (for Retry-After). */
  private avgServiceMs = 10;
  /** Time workers spent on finished jobs, ms. */
  private busyMs = 0;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly opts: PoolOptions) {
    this.watchdog = setInterval(() => this.checkStuck(), Math.max(10, Math.min(250, opts.stuckGraceMs / 4)));
    this.watchdog.unref();
  }

  /** Starts every worker; rejects (and stops them) when one fails to compile the pipelines. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject, pending: this.opts.size };
      for (let i = 0; i < this.opts.size; i++) {
        const slot: Slot = { index: i, worker: null, ready: false, gen: 0, jobs: [], failures: 0 };
        this.slots.push(slot);
        this.spawn(slot);
      }
    }).catch(async (e: unknown) => {
      await this.close();
      throw e;
    });
  }

  get size(): number {
    return this.slots.length;
  }
  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }
  /** Workers holding a job (including ones whose deadline passed). */
  get busy(): number {
    return this.slots.reduce((n, s) => n + (s.jobs.length > 0 ? 1 : 0), 0);
  }
  /** Workers ready for work or working. */
  get live(): number {
    return this.slots.reduce((n, s) => n + (s.ready ? 1 : 0), 0);
  }

  /** Seconds workers spent on jobs so far (finished jobs). */
  get busySeconds(): number {
    return this.busyMs / 1000;
  }

  /** A guess of the wait for a new job, in ms (queue ahead of it over the workers). */
  estimateWaitMs(): number {
    const held = this.slots.reduce((n, s) => n + s.jobs.length, 0);
    return ((this.queue.length + held) * this.avgServiceMs) / Math.max(1, this.slots.length);
  }

  /**
   * Queues a job. `cancel`, called when the client went away, drops the job unless a worker has
   * started it.
   */
  run(route: JobRoute, body: Uint8Array, deadlineAt: number): { result: Promise<JobResult>; cancel(): void } {
    if (this.closed) return { result: Promise.reject(new PoolClosedError('the server is shutting down')), cancel: () => undefined };
    let job!: Job;
    const result = new Promise<JobResult>((resolve, reject) => {
      job = { id: this.nextId++, route, body, started: 0, done: false, resolve, reject };
    });
    job.timer = setTimeout(() => this.expire(job), Math.max(0, deadlineAt - Date.now()));
    this.queue.push(job);
    this.dispatch();
    const cancel = (): void => {
      if (job.done) return;
      const qi = this.queue.indexOf(job);
      if (qi >= 0) {
        this.queue.splice(qi, 1);
        this.finish(job, new CancelledError('the client closed the connection'));
        return;
      }
      const slot = this.slots.find((s) => s.jobs.indexOf(job) > 0);
      if (slot) this.dropFromInbox(slot, job, new CancelledError('the client closed the connection'));
    };
    return { result, cancel };
  }

  /** Sends `init().pipelines` to every worker; resolves with the errors workers reported. */
  async reload(): Promise<string[]> {
    const gen = ++this.gen;
    const acks = this.slots.filter((s) => s.ready && s.worker).map((s) => this.sendReload(s, gen));
    const errors = await Promise.all(acks);
    return errors.filter((e): e is string => typeof e === 'string');
  }

  /** Resolves once no job is queued or running (abandoned jobs do not count). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rejects queued jobs and terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue) this.finish(job, new PoolClosedError('the server is shutting down'));
    this.queue = [];
    const exits: Array<Promise<unknown>> = [];
    clearInterval(this.watchdog);
    for (const s of this.slots) {
      for (const j of s.jobs) this.finish(j, new PoolClosedError('the server is shutting down'));
      s.jobs = [];
      s.ready = false;
      if (s.worker) exits.push(s.worker.terminate().catch(() => undefined));
      s.worker = null;
    }
    await Promise.all(exits);
    this.notifyIdle();
  }

  private sendReload(slot: Slot, gen: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const prev = slot.reloadAck;
      slot.reloadAck = (error) => {
        prev?.(error);
        resolve(error === undefined ? undefined : `worker ${slot.index}: ${error}`);
      };
      slot.gen = gen;
      const init = this.opts.init();
      const msg: ToWorker = { type: 'reload', gen, pipelines: init.pipelines, ...(init.defaultPipeline !== undefined ? { defaultPipeline: init.defaultPipeline } : {}) };
      slot.worker!.postMessage(msg);
    });
  }

  private spawn(slot: Slot): void {
    slot.ready = false;
    slot.gen = this.gen;
    let worker: Worker;
    try {
      worker = spawnWorker(ENTRY, { workerData: this.opts.init() });
    } catch (e) {
      this.failed(slot, `cannot start a worker: ${describeError(e)}`);
      return;
    }
    slot.worker = worker;
    worker.on('message', (m: FromWorker) => {
      if (slot.worker === worker) this.onMessage(slot, m);
    });
    worker.on('error', (e) => {
      if (slot.worker === worker) this.opts.log(`worker ${slot.index} failed: ${describeError(e)}`);
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const wasReady = slot.ready;
      slot.ready = false;
      slot.reloadAck?.('worker exited');
      slot.reloadAck = undefined;
      this.orphan(slot, new WorkerLostError(`the worker scoring this request exited (code ${code})`));
      if (this.closed) return;
      if (!wasReady) {
        const why = slot.fatal ?? `exited during start-up (code ${code})`;
        slot.fatal = undefined;
        this.failed(slot, `worker ${slot.index}: ${why}`);
        return;
      }
      this.opts.onRestart?.('crashed');
      this.opts.log(`worker ${slot.index} exited (code ${code}); starting a new one`);
      this.spawn(slot);
    });
  }

  /** A worker failed before it was ready: fails start(), or retries with back-off once serving. */
  private failed(slot: Slot, message: string): void {
    if (this.startWaiter) {
      const w = this.startWaiter;
      this.startWaiter = null;
      w.reject(new Error(message));
      return;
    }
    if (this.closed) return;
    slot.failures++;
    const delay = Math.min(5000, 100 * 2 ** Math.min(slot.failures, 6));
    this.opts.log(`${message}; retrying in ${delay} ms`);
    this.opts.onRestart?.('fatal');
    setTimeout(() => {
      if (!this.closed && !slot.worker) this.spawn(slot);
    }, delay).unref();
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    switch (m.type) {
      case 'ready': {
        slot.ready = true;
        slot.failures = 0;
        if (slot.gen < this.gen) void this.sendReload(slot, this.gen);
        if (this.startWaiter && --this.startWaiter.pending === 0) {
          const w = this.startWaiter;
          this.startWaiter = null;
          w.resolve();
        }
        this.dispatch();
        return;
      }
      case 'fatal': {
        slot.fatal = m.error;
        if (!this.startWaiter) this.opts.log(`worker ${slot.index}: ${m.error}`);
        const w = slot.worker;
        slot.ready = false;
        // the exit handler reports the failure / restarts
        void w?.terminate();
        return;
      }
      case 'reloaded': {
        const ack = slot.reloadAck;
        slot.reloadAck = undefined;
        ack?.(m.error);
        return;
      }
      case 'result': {
        const head = slot.jobs[0];
        if (!head || head.id !== m.id) return;
        slot.jobs.shift();
        const next = slot.jobs[0];
        if (next) next.started = performance.now();
        if (m.result) {
          const took = performance.now() - head.started;
          this.busyMs += took;
          this.avgServiceMs += 0.1 * (took - this.avgServiceMs);
          this.finish(head, m.result);
        }
        this.dispatch();
        return;
      }
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // the least loaded ready worker with room
      let slot: Slot | undefined;
      for (const s of this.slots) {
        if (s.ready && s.worker && s.jobs.length < DEPTH && (!slot || s.jobs.length < slot.jobs.length)) slot = s;
      }
      if (!slot) break;
      const job = this.queue.shift()!;
      if (job.done) continue;
      if (slot.jobs.length === 0) job.started = performance.now();
      slot.jobs.push(job);
      const msg: ToWorker = { type: 'job', id: job.id, route: job.route, body: job.body };
      slot.worker!.postMessage(msg); // a copy: the body stays here until the job ends
    }
    this.notifyIdle();
  }

  /** Takes a job out of a worker's inbox (not yet started there): the worker will skip it. */
  private dropFromInbox(slot: Slot, job: Job, why: Error): void {
    const msg: ToWorker = { type: 'cancel', id: job.id };
    slot.worker?.postMessage(msg);
    this.finish(job, why);
  }

  /**
   * A worker is gone: its running job fails with `why`; jobs waiting in its inbox (never
   * started) go back to the front of the queue.
   */
  private orphan(slot: Slot, why: Error): void {
    const [head, ...waiting] = slot.jobs;
    slot.jobs = [];
    if (head) this.finish(head, why);
    const back = waiting.filter((j) => !j.done);
    for (const j of back) j.started = 0;
    this.queue.unshift(...back);
  }

  /** Replaces workers whose running job passed its deadline more than stuckGraceMs ago. */
  private checkStuck(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      const head = slot.jobs[0];
      if (!head || !head.done || head.expiredAt === undefined || !slot.worker) continue;
      if (now - Math.max(head.expiredAt, head.started) < this.opts.stuckGraceMs) continue;
      this.opts.log(`worker ${slot.index} is still busy ${this.opts.stuckGraceMs} ms after a deadline; replacing it`);
      this.opts.onRestart?.('stuck');
      const w = slot.worker;
      slot.worker = null;
      slot.ready = false;
      slot.reloadAck?.('worker replaced');
      slot.reloadAck = undefined;
      this.orphan(slot, new WorkerLostError('the worker was replaced'));
      void w.terminate();
      this.spawn(slot);
    }
    this.dispatch();
  }

  private expire(job: Job): void {
    if (job.done) return;
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.finish(job, new DeadlineError('queued'));
      return;
    }
    for (const slot of this.slots) {
      const i = slot.jobs.indexOf(job);
      if (i > 0) return this.dropFromInbox(slot, job, new DeadlineError('queued'));
      if (i === 0) {
        job.expiredAt = performance.now();
        this.finish(job, new DeadlineError('running'));
        return;
      }
    }
    this.finish(job, new DeadlineError('queued'));
  }

  private finish(job: Job, outcome: JobResult | Error): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    job.body = EMPTY;
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.queue.every((j) => j.done) && this.slots.every((s) => s.jobs.every((j) => j.done));
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}

const EMPTY = new Uint8Array(0);
