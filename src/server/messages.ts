/** Messages between the server's main thread and its scoring workers (see pool.ts, worker.ts). */
import type { JobResult, JobRoute } from './protocol.js';
import type { PipelineSource } from './scorer.js';

/** What a worker starts with (its workerData). */
export interface WorkerInit {
  scorerModule: string;
  pipelines: PipelineSource[];
  defaultPipeline?: string;
}

export type ToWorker =
  | { type: 'job'; id: number; route: JobRoute; body: Uint8Array }
  /** Skip job `id` if it has not started (its deadline passed or its client left). */
  | { type: 'cancel'; id: number }
  | { type: 'reload'; gen: number; pipelines: PipelineSource[]; defaultPipeline?: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  /** `result` is absent when the job was skipped (cancelled before it started). */
  | { type: 'result'; id: number; result?: JobResult }
  | { type: 'reloaded'; gen: number; error?: string };
