/**
 * Hugging Face checkpoints on disk: a single `model.safetensors`, or shards listed in
 * `model.safetensors.index.json` (`{"metadata": {"total_size": N}, "weight_map": {name: file}}`).
 * Reading is lazy: headers are read on open, tensor bytes only when asked for.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { DTYPE_SIZE, numel, type Tensor } from './dtype.js';
import { SafetensorsFile, writeSafetensors, type TensorInfo, type TensorSet } from './safetensors.js';

/** File name of a single-file checkpoint. */
export const SINGLE_FILE = 'model.safetensors';
/** File name of the shard index. */
export const INDEX_FILE = 'model.safetensors.index.json';

const IndexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).optional().describe('free-form; Hugging Face writes {"total_size": bytes}'),
  weight_map: z.record(z.string(), z.string()).describe('tensor name -> shard file name (relative to the index)'),
});

/** A lazily read checkpoint: one file or a set of shards. */
export class Checkpoint {
  private constructor(
    readonly dir: string,
    private readonly files: Map<string, SafetensorsFile>,
    private readonly where: Map<string, SafetensorsFile>,
  ) {}

  /**
   * Opens a checkpoint from a folder (holding `model.safetensors.index.json` or
   * `model.safetensors`), an index file, or a single `.safetensors` file.
   */
  static open(path: string): Checkpoint {
    let target = path;
    if (existsSync(path) && statSync(path).isDirectory()) {
      if (existsSync(join(path, INDEX_FILE))) target = join(path, INDEX_FILE);
      else if (existsSync(join(path, SINGLE_FILE))) target = join(path, SINGLE_FILE);
      else throw new GlimpseError('not_found', `${path}: no ${INDEX_FILE} or ${SINGLE_FILE} in this folder`);
    }
    if (target.endsWith('.json')) return Checkpoint.openIndex(target);
    const f = SafetensorsFile.open(target);
    const where = new Map<string, SafetensorsFile>();
    for (const n of f.names()) where.set(n, f);
    return new Checkpoint(dirname(target), new Map([[basename(target), f]]), where);
  }

  private static openIndex(indexPath: string): Checkpoint {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(indexPath, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new GlimpseError('not_found', `${indexPath}: file not found`);
      throw new GlimpseError('corrupt', `${indexPath}: not valid JSON (${(e as Error).message})`);
    }
    const parsed = IndexSchema.safeParse(raw);
    if (!parsed.success) throw new GlimpseError('corrupt', `${indexPath}: not a safetensors index (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    const dir = dirname(indexPath);
    const files = new Map<string, SafetensorsFile>();
    const where = new Map<string, SafetensorsFile>();
    try {
      for (const [name, shard] of Object.entries(parsed.data.weight_map)) {
        const full = resolve(dir, shard);
        if (!full.startsWith(resolve(dir) + sep)) throw new GlimpseError('corrupt', `${indexPath}: tensor "${name}" points outside the checkpoint folder (${shard})`);
        let f = files.get(shard);
        if (!f) {
          f = SafetensorsFile.open(full);
          files.set(shard, f);
        }
        if (!f.info(name)) throw new GlimpseError('corrupt', `${indexPath}: tensor "${name}" is listed in ${shard} but that shard does not hold it`);
        where.set(name, f);
      }
    } catch (e) {
      for (const f of files.values()) f.close();
      throw e;
    }
    return new Checkpoint(dir, files, where);
  }

  /** All tensor names. */
  names(): string[] {
    return [...this.where.keys()];
  }

  has(name: string): boolean {
    return this.where.has(name);
  }

  /** dtype, shape and offsets of `name` without reading its bytes. */
  info(name: string): TensorInfo | undefined {
    return this.where.get(name)?.info(name);
  }

  /** Reads one tensor ('not_found' naming the checkpoint when absent). */
  read(name: string): Tensor {
    const f = this.where.get(name);
    if (!f) throw new GlimpseError('not_found', `${this.dir}: checkpoint has no tensor named "${name}"`);
    return f.read(name);
  }

  /** Merged `__metadata__` of all shards. */
  metadata(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.files.values()) Object.assign(out, f.header.metadata);
    return out;
  }

  close(): void {
    for (const f of this.files.values()) f.close();
  }
}

/**
 * Writes `set` into folder `dir` the way Hugging Face does: one `model.safetensors` when it fits
 * `maxShardBytes` (default 5 GB), otherwise `model-0000i-of-0000n.safetensors` shards plus
 * `model.safetensors.index.json`. Tensors keep insertion order across shards; a tensor larger
 * than the limit gets a shard of its own. Returns the written file names.
 */
export async function writeCheckpoint(dir: string, set: TensorSet, opts: { maxShardBytes?: number; metadata?: Record<string, string> } = {}): Promise<string[]> {
  const max = opts.maxShardBytes ?? 5_000_000_000;
  if (!(max > 0)) throw new GlimpseError('bad_argument', `writeCheckpoint: maxShardBytes must be positive, got ${max}`);
  const entries = set instanceof Map ? [...set.entries()] : Object.entries(set);
  const shards: Array<Array<[string, Tensor]>> = [];
  let cur: Array<[string, Tensor]> = [];
  let curBytes = 0;
  let total = 0;
  for (const e of entries) {
    const bytes = numel(e[1].shape) * DTYPE_SIZE[e[1].dtype];
    total += bytes;
    if (cur.length > 0 && curBytes + bytes > max) {
      shards.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(e);
    curBytes += bytes;
  }
  if (cur.length > 0 || shards.length === 0) shards.push(cur);
  const meta = { format: 'pt', ...opts.metadata };
  if (shards.length === 1) {
    await writeSafetensors(join(dir, SINGLE_FILE), new Map(shards[0]), meta);
    return [SINGLE_FILE];
  }
  const n = shards.length;
  const pad = (i: number) => String(i).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = `model-${pad(i + 1)}-of-${pad(n)}.safetensors`;
    await writeSafetensors(join(dir, file), new Map(shards[i]), meta);
    for (const [name] of shards[i]!) weightMap[name] = file;
    names.push(file);
  }
  await writeFileAtomic(join(dir, INDEX_FILE), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n');
  return [...names, INDEX_FILE];
}
