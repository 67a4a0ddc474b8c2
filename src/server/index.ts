/** The reward server: `glimpse serve`. See docs/server.md. */
export { startServer, type RunningServer } from './server.js';
export { ServeOptionsSchema, type ServeOptions, type ServeOptionsInput } from './options.js';
export type { Scorer, CreateScorer, PipelineSource } from './scorer.js';
export { completionFromQuery, parseLabel } from './openrlhf.js';
export { handleJob, type JobResult, type JobRoute } from './protocol.js';
