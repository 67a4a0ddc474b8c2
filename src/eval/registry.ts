/**
 * The benchmark registry: each benchmark file registers itself by name (and aliases); an unknown
 * name is an error listing the known ones.
 */
import { GlimpseError } from '../util/errors.js';
import type { Benchmark } from './types.js';

const byName = new Map<string, Benchmark>();
const primary = new Map<string, Benchmark>();

function key(name: string): string {
  return name.toLowerCase().replace(/[_\s]+/g, '-');
}

/** Registers a benchmark under its name and aliases; a clash is an error. */
export function registerBenchmark(b: Benchmark): Benchmark {
  for (const n of [b.name, ...(b.aliases ?? [])]) {
    if (byName.has(key(n))) throw new Error(`registerBenchmark: "${n}" is already registered`);
  }
  for (const n of [b.name, ...(b.aliases ?? [])]) byName.set(key(n), b);
  primary.set(b.name, b);
  return b;
}

/** The benchmark named `name` (case-insensitive, `_` = `-`); GlimpseError('unknown_name') otherwise. */
export function getBenchmark(name: string): Benchmark {
  const b = byName.get(key(name));
  if (!b) {
    throw new GlimpseError('unknown_name', `unknown benchmark "${name}"; known benchmarks: ${listBenchmarkNames().join(', ')}`);
  }
  return b;
}

/** Primary names, sorted. */
export function listBenchmarkNames(): string[] {
  return [...primary.keys()].sort();
}

export function listBenchmarks(): Benchmark[] {
  return listBenchmarkNames().map((n) => primary.get(n)!);
}
