/**
 * Writing one exported graph as transformers.js expects it on disk: `onnx/<name>.onnx` with the
 * weights embedded, or — for weights too large for one protobuf (2 GiB) — the graph plus ONE
 * external-data file named `onnx/<name>.onnx_data` (transformers.js' convention, announced in
 * config.json as `transformers.js_config.use_external_data_format`).
 *
 * The builder's `saveModel` names its side file `<model>.data`; this module saves through it into
 * the target folder, then rewrites the external-data `location` of each tensor and renames the side
 * file, so no serialisation code is duplicated.
 */
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { GraphBuilder } from '../graph/builder.js';
import { writeFileAtomic, writeFileAtomicSync } from '../../util/atomic.js';

const { onnx } = onnxProto;

/** Above this many weight bytes a graph is written with external data (protobuf limit 2 GiB, with margin). */
export const EXTERNAL_DATA_BYTES = 1.5 * 2 ** 30;

export interface WrittenOnnx {
  /** Paths written (model, and the side file when external). */
  files: string[];
  external: boolean;
  bytes: number;
}

/**
 * Writes `g` to `path` (`.../onnx/<name>.onnx`). `external`: `'auto'` (default) uses external data
 * above {@link EXTERNAL_DATA_BYTES} of weights, `'always'` / `'never'` force the choice.
 */
export async function writeOnnx(g: GraphBuilder, path: string, external: 'auto' | 'always' | 'never' = 'auto'): Promise<WrittenOnnx> {
  const weights = g.weightBytes();
  const useExternal = external === 'always' || (external === 'auto' && weights > EXTERNAL_DATA_BYTES);
  if (!useExternal) {
    const bytes = g.toBytes();
    await writeFileAtomic(path, bytes);
    return { files: [path], external: false, bytes: bytes.byteLength };
  }
  const saved = g.save(path, { externalDataThreshold: 1 });
  if (!saved.data) return { files: [path], external: false, bytes: readFileSync(path).byteLength };
  const oldLocation = basename(saved.data);
  const newLocation = `${basename(path)}_data`;
  const model = onnx.ModelProto.decode(readFileSync(path));
  for (const t of model.graph?.initializer ?? []) {
    for (const kv of t.externalData ?? []) if (kv.key === 'location' && kv.value === oldLocation) kv.value = newLocation;
  }
  const target = join(dirname(path), newLocation);
  rmSync(target, { force: true });
  renameSync(saved.data, target);
  writeFileAtomicSync(path, onnx.ModelProto.encode(model).finish());
  return { files: [path, target], external: true, bytes: readFileSync(path).byteLength + weights };
}
