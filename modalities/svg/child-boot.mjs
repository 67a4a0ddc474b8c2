// Bootstrap for SVG render processes started from glimpse's TypeScript sources (see pool.ts):
// registers tsx, then loads the real entry given as the first argument. Never used from dist/.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
