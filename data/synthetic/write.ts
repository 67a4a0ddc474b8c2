/**
 * Writing synthetic splits: `<out>/<split>.jsonl` plus media files, each written atomically, with
 * a `task.json` that records the generator, seed and counts (so a folder can be checked against
 * the parameters that made it and reused instead of regenerated).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/atomic.js';
import type { SampleInput } from '../schema.js';

export interface SplitSpec {
  train: number;
  test: number;
}

export interface TaskManifest {
  task: string;
  version: number;
  seed: number;
  splits: SplitSpec;
  options: Record<string, unknown>;
}

/** True when `out/task.json` equals `manifest` (the folder can be reused as it is). */
export function manifestMatches(out: string, manifest: TaskManifest): boolean {
  const p = join(out, 'task.json');
  if (!existsSync(p)) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(p, 'utf8'))) === JSON.stringify(manifest);
  } catch {
    return false;
  }
}

export async function writeSplit(out: string, split: string, samples: SampleInput[]): Promise<string> {
  const path = join(out, `${split}.jsonl`);
  await writeFileAtomic(path, samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  return path;
}

export async function writeManifest(out: string, manifest: TaskManifest): Promise<void> {
  await writeFileAtomic(join(out, 'task.json'), JSON.stringify(manifest, null, 2) + '\n');
}
