import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on `entry` (a module URL, usually `new URL('./x.worker.js',
 * import.meta.url)`). When glimpse runs from its TypeScript sources (tests, benches), `entry`
 * resolves to a `.ts` file that Node cannot load by itself: the worker then starts through a tiny
 * bootstrap that registers tsx first. From the compiled `dist/` the entry is plain JavaScript and
 * starts directly.
 *
 * Callers write the `.js` name; this function swaps in the `.ts` twin when running from sources.
 */
export function spawnWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  if (!fromSources) return new Worker(entry, options);
  const tsEntry = entry.href.replace(/\.js$/, '.ts');
  const boot = new URL('./worker-boot.mjs', import.meta.url);
  return new Worker(boot, { ...options, workerData: { __glimpseEntry: tsEntry, __data: options.workerData } });
}

/** Inside a worker started by {@link spawnWorker}: the `workerData` the caller passed. */
export async function workerInput<T>(): Promise<T> {
  const { workerData } = await import('node:worker_threads');
  const wd = workerData as { __glimpseEntry?: string; __data?: unknown } | undefined;
  return (wd && typeof wd === 'object' && '__glimpseEntry' in wd ? wd.__data : wd) as T;
}
