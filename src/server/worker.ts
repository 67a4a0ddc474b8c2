/**
 * A scoring worker thread: imports the scorer module (by default glimpse's reward pipelines,
 * which registers every built-in reward), compiles the pipelines, then answers jobs one at a
 * time, in order (a job cancelled before it starts is skipped). A reload message swaps the compiled set between two jobs, so no job sees half
 * of a reload. Started by pool.ts through spawnWorker.
 */
import { parentPort } from 'node:worker_threads';
import { describeError } from '../util/errors.js';
import { workerInput } from '../util/worker.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { handleJob, type ScoreContext } from './protocol.js';
import { importScorer } from './scorer.js';

const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

async function boot(): Promise<void> {
  const init = await workerInput<WorkerInit>();
  let createScorer;
  let ctx: ScoreContext;
  try {
    createScorer = await importScorer(init.scorerModule);
    ctx = { scorer: await createScorer(init.pipelines), defaultPipeline: init.defaultPipeline };
  } catch (e) {
    post({ type: 'fatal', error: describeError(e) });
    return;
  }
  let chain: Promise<void> = Promise.resolve();
  const cancelled = new Set<number>();
  const handle = async (m: ToWorker): Promise<void> => {
    if (m.type === 'job') {
      // let pending messages (a cancel of this job) arrive before starting it
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (cancelled.delete(m.id)) {
        post({ type: 'result', id: m.id });
        return;
      }
      const result = await handleJob(m.route, m.body, ctx);
      cancelled.delete(m.id); // a cancel that came too late
      post({ type: 'result', id: m.id, result });
    } else if (m.type === 'reload') {
      try {
        ctx = { scorer: await createScorer(m.pipelines), defaultPipeline: m.defaultPipeline };
        post({ type: 'reloaded', gen: m.gen });
      } catch (e) {
        post({ type: 'reloaded', gen: m.gen, error: describeError(e) });
      }
    }
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'cancel') {
      cancelled.add(m.id);
      return;
    }
    chain = chain.then(() => handle(m)).catch((e: unknown) => post({ type: 'fatal', error: describeError(e) }));
  });
  post({ type: 'ready' });
}

void boot();
