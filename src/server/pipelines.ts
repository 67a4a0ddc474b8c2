/**
 * Reads the pipeline folder of `glimpse serve`: every `<name>.yaml`, `<name>.yml` or
 * `<name>.json` file is one pipeline named `<name>`. Reading checks only that each file parses;
 * compiling (reward names, params) is the scorer's job (see scorer.ts).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GlimpseError, describeError } from '../util/errors.js';
import type { PipelineSource } from './scorer.js';

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Pipeline files are small; a bigger one is a mistake (a dataset dropped in the folder). */
const MAX_FILE_BYTES = 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * The pipeline files of `dir`, sorted by name. Throws GlimpseError naming the folder or the file:
 * `not_found` (no such folder), `bad_config` (no pipeline files, a file that does not parse, a
 * bad or duplicate name, a file over 1 MiB).
 */
export async function readPipelineDir(dir: string): Promise<PipelineSource[]> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GlimpseError('not_found', `--pipelines ${dir}: no such folder`);
    if (code === 'ENOTDIR') throw new GlimpseError('bad_config', `--pipelines ${dir}: not a folder`);
    throw new GlimpseError('bad_config', `--pipelines ${dir}: cannot read the folder (${describeError(e)})`);
  }
  const files = entries.filter((f) => EXTENSIONS.has(extname(f).toLowerCase()) && !f.startsWith('.')).sort();
  if (files.length === 0) {
    throw new GlimpseError('bad_config', `--pipelines ${dir}: no pipeline files (<name>.yaml, .yml or .json)`);
  }
  const seen = new Map<string, string>();
  const out: PipelineSource[] = [];
  for (const f of files) {
    const file = join(root, f);
    const name = f.slice(0, f.length - extname(f).length);
    if (!NAME.test(name)) {
      throw new GlimpseError('bad_config', `${file}: pipeline name "${name}" must be letters, digits, _ . - (at most 128)`);
    }
    const other = seen.get(name);
    if (other) throw new GlimpseError('bad_config', `${file}: pipeline "${name}" is also defined by ${other}`);
    seen.set(name, file);
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > MAX_FILE_BYTES) throw new GlimpseError('bad_config', `${file}: ${info.size} bytes, a pipeline file is at most 1 MiB`);
    const text = await readFile(file, 'utf8');
    let spec: unknown;
    try {
      spec = parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw new GlimpseError('bad_config', `${file}: not valid YAML/JSON (${describeError(e)})`);
    }
    if (spec === null || spec === undefined) throw new GlimpseError('bad_config', `${file}: the file is empty`);
    out.push({ name, file, spec });
  }
  return out;
}

/**
 * The pipeline a request without a name gets: `wanted` (which must exist), else the only
 * pipeline when there is one, else none.
 */
export function resolveDefault(names: readonly string[], wanted: string | undefined): string | undefined {
  if (wanted !== undefined) {
    if (!names.includes(wanted)) {
      throw new GlimpseError('unknown_name', `--default ${wanted}: no such pipeline; pipelines: ${names.join(', ')}`);
    }
    return wanted;
  }
  return names.length === 1 ? names[0] : undefined;
}
