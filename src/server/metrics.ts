/**
 * The server's metrics in the Prometheus text exposition format (version 0.0.4), served at
 * GET /metrics. A handful of counters, gauges and one histogram, with small fixed label sets
 * (routes are mapped to known names before they become labels, so no input can grow them).
 *
 * @example
 *   const m = new ServerMetrics();
 *   m.requests.inc({ route: 'get_reward', code: '200' });
 *   m.latency.observe({ route: 'get_reward', code: '200' }, 0.012);
 *   m.render(); // "# HELP glimpse_requests_total ...\nglimpse_requests_total{route=\"get_reward\",code=\"200\"} 1\n..."
 */

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

type Labels = Record<string, string>;

/** CPU seconds of the calling thread (Linux /proc/thread-self/stat), NaN elsewhere. */
export function threadCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 (utime, stime) counted from 1, in clock ticks (100 per second on Linux)
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function labelKey(labels: Labels): string {
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}="${escapeLabel(labels[k]!)}"`;
  return out;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A monotonically increasing count per label set. */
export class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) out += `${this.name}${k ? `{${k}}` : ''} ${fmt(v)}\n`;
    return out;
  }
}

/** A value read when the metrics are rendered (a gauge, or a counter kept elsewhere). */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.name} ${fmt(this.read())}\n`;
  }
}

/** Cumulative-bucket histogram per label set (seconds). */
export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      for (let i = 0; i < this.buckets.length; i++) out += `${this.name}_bucket{${pre}le="${fmt(this.buckets[i]!)}"} ${s.counts[i]}\n`;
      out += `${this.name}_bucket{${pre}le="+Inf"} ${s.count}\n`;
      out += `${this.name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}\n${this.name}_count${k ? `{${k}}` : ''} ${s.count}\n`;
    }
    return out;
  }
}

/** Latency buckets in seconds: 1 ms to 60 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Every metric of the reward server. Gauges read live state through `state`. */
export class ServerMetrics {
  readonly requests = new Counter('glimpse_requests_total', 'HTTP requests answered, by route and status code.');
  readonly latency = new Histogram('glimpse_request_duration_seconds', 'Time from request arrival to response, by route and status code.', LATENCY_BUCKETS);
  readonly items = new Counter('glimpse_items_scored_total', 'Completions scored, by pipeline.');
  readonly errors = new Counter('glimpse_errors_total', 'Requests answered with an error, by reason (bad_json, bad_request, unknown_pipeline, too_large, queue_full, deadline, ...).');
  readonly restarts = new Counter('glimpse_worker_restarts_total', 'Workers replaced, by reason (stuck, crashed, fatal).');
  readonly reloads = new Counter('glimpse_reloads_total', 'Pipeline reloads (SIGHUP), by result (ok, failed).');
  private readonly gauges: Gauge[];
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    state: { queueDepth(): number; inFlight(): number; busyWorkers(): number; workers(): number; pipelines(): number; busySeconds(): number } = nullState,
  ) {
    this.gauges = [
      new Gauge('glimpse_queue_depth', 'Requests admitted and not yet in a worker (reading their body or waiting).', state.queueDepth),
      new Gauge('glimpse_in_flight_requests', 'Requests admitted and not yet answered.', state.inFlight),
      new Gauge('glimpse_workers_busy', 'Worker threads scoring a request.', state.busyWorkers),
      new Gauge('glimpse_workers', 'Worker threads ready or working.', state.workers),
      new Gauge('glimpse_pipelines', 'Pipelines loaded.', state.pipelines),
      new Gauge('glimpse_worker_busy_seconds_total', 'Time workers spent on requests, summed over workers (utilisation = rate / workers).', state.busySeconds, 'counter'),
      new Gauge('process_cpu_seconds_total', 'CPU time of the server process (all threads), seconds.', () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      }, 'counter'),
      new Gauge('glimpse_main_thread_cpu_seconds_total', 'CPU time of the HTTP (main) thread, seconds (Linux; NaN elsewhere).', threadCpuSeconds, 'counter'),
      new Gauge('nodejs_eventloop_delay_p99_seconds', 'p99 of the main event loop delay since the previous scrape, seconds.', () => {
        const v = this.loopDelay.percentile(99) / 1e9;
        this.loopDelay.reset();
        return v;
      }),
      new Gauge('process_resident_memory_bytes', 'Resident set size of the server process, bytes.', () => process.memoryUsage.rss()),
      new Gauge('nodejs_heap_used_bytes', 'V8 heap used by the main thread, bytes.', () => process.memoryUsage().heapUsed),
    ];
  }

  /** Starts sampling the event loop delay (stop() ends it). */
  start(): void {
    this.loopDelay.enable();
  }
  stop(): void {
    this.loopDelay.disable();
  }

  render(): string {
    return [this.requests, this.latency, this.items, this.errors, this.restarts, this.reloads, ...this.gauges].map((m) => m.render()).join('');
  }
}

const nullState = { queueDepth: () => 0, inFlight: () => 0, busyWorkers: () => 0, workers: () => 0, pipelines: () => 0, busySeconds: () => 0 };
