#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs bench/<name>.bench.ts under tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../bench/', import.meta.url));
const known = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !known.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name> [args]\nknown benchmarks: ${known.join(', ') || '(none)'}\n`);
  process.exit(name ? 1 : 0);
}
const file = `${dir}${name}.bench.ts`;
if (!existsSync(file)) process.exit(1);
const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
