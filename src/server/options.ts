/**
 * Options of the reward server (`glimpse serve`), as a zod schema: every field is described and
 * has a default. The CLI maps its flags onto this object; tests build it directly.
 *
 * @example
 *   const opts = ServeOptionsSchema.parse({ pipelinesDir: 'pipelines', port: 0 });
 *   // -> { host: '127.0.0.1', port: 0, workers: <cores>, queue: 64, deadlineMs: 30000, ... }
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Worker threads by default: one per core the process may use. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export const ServeOptionsSchema = z
  .object({
    pipelinesDir: z.string().min(1).describe('folder whose <name>.yaml / .yml / .json files are the pipelines'),
    defaultPipeline: z
      .string()
      .min(1)
      .optional()
      .describe('pipeline used when a request names none; default: the only pipeline, when there is exactly one'),
    host: z.string().min(1).default('127.0.0.1').describe('address to listen on; loopback by default, set 0.0.0.0 to expose'),
    port: z.number().int().min(0).max(65535).default(8000).describe('TCP port; 0 picks a free one'),
    workers: z.number().int().min(1).max(256).optional().describe('worker threads scoring requests; default: the number of cores'),
    queue: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(64)
      .describe('requests admitted beyond those the workers hold (each runs one and holds one more): reading their body or waiting; past this, 429 + Retry-After'),
    deadlineMs: z
      .number()
      .int()
      .min(1)
      .max(3_600_000)
      .default(30_000)
      .describe('per-request deadline from arrival to response; past it, 504 (OpenRLHF clients give up after 180 s)'),
    stuckGraceMs: z
      .number()
      .int()
      .min(1)
      .max(600_000)
      .default(2_000)
      .describe('a worker still busy this long after its request\'s deadline is terminated and replaced'),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .default(32 * 1024 * 1024)
      .describe('request body limit in bytes; larger bodies get 413'),
    apiKey: z.string().min(1).optional().describe('when set, every route but /healthz needs `Authorization: Bearer <key>` or `X-API-Key: <key>`'),
    drainMs: z.number().int().min(0).max(600_000).default(30_000).describe('on SIGTERM/SIGINT, how long in-flight requests may take to finish'),
    scorerModule: z
      .string()
      .optional()
      .describe('URL of the module exporting createScorer(); default: glimpse reward pipelines (src/server/pipeline-scorer)'),
    log: z.custom<(line: string) => void>((v) => typeof v === 'function').optional().describe('where log lines go; default stderr'),
  })
  .strict();

export type ServeOptionsInput = z.input<typeof ServeOptionsSchema>;
export type ServeOptions = z.output<typeof ServeOptionsSchema>;
