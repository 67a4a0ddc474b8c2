#!/usr/bin/env node
// The glimpse command. Runs the compiled CLI from dist/ (built by `npm ci` through the
// `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'glimpse: the compiled CLI is missing (dist/src/cli/main.js). Run `npm ci` or `npm run build` in the glimpse folder first.\n',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
