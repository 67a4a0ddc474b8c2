// Bootstrap for worker threads started from glimpse's TypeScript sources (see worker.ts):
// registers tsx, then loads the real entry. Never used from the compiled dist/.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__glimpseEntry);
