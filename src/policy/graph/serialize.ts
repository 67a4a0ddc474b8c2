/**
 * Serialisation of a built graph to an ONNX ModelProto (IR version 8, default domain only).
 *
 * A protobuf message is limited to 2 GiB, so models with large weights either keep the weights
 * out of the graph (graph inputs fed at run time: how trainable and LoRA weights are passed) or
 * are saved with ONNX external data (`saveModel`): tensors above a threshold go to one side file
 * that ONNX Runtime reads when the session is created from the model's path.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomicSync } from '../../util/atomic.js';
import type { AttrValue, GraphCore, HostData, InitRec, ValueRec } from './core.js';
import { optimizeGraph } from './optimize.js';
import { ONNX_DTYPE } from './tensor.js';

const { onnx } = onnxProto;

/** Serialisation options. */
export interface SerializeOptions {
  /** Run CSE + dead-node elimination first (default true). */
  optimize?: boolean;
  /** Write initializers of at least this many bytes as external data (saveModel only). */
  externalDataThreshold?: number;
}

const MAX_PROTO = 2 ** 31 - 1;

function bytesOf(d: HostData): Uint8Array {
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function attrProto(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return { name, type: T.INTS, ints: v as number[] };
    return { name, type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  }
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  return { name, type: T.FLOATS, floats: v.floats };
}

function valueInfo(v: ValueRec): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Builds the ModelProto; `external` maps initializer names to their (offset, length) in a side file. */
function modelProto(g: GraphCore, options: SerializeOptions, external?: { location: string; place: Map<string, [number, number]> }): onnxProto.onnx.ModelProto {
  const opt = options.optimize === false
    ? { nodes: g.nodes, inits: [...g.inits.values()] }
    : optimizeGraph(g.nodes, g.inits.values(), g.inputs, g.outputs);
  const initializer = opt.inits.map((r: InitRec): onnxProto.onnx.ITensorProto => {
    const place = external?.place.get(r.name);
    if (place && external) {
      return {
        name: r.name, dataType: ONNX_DTYPE[r.dtype], dims: [...r.dims], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: external.location }, { key: 'offset', value: String(place[0]) }, { key: 'length', value: String(place[1]) }],
      };
    }
    return { name: r.name, dataType: ONNX_DTYPE[r.dtype], dims: [...r.dims], rawData: bytesOf(r.data) };
  });
  return onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'glimpse',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: g.opset }],
    graph: {
      name: g.graphName,
      node: opt.nodes.map((n) => ({
        opType: n.opType, name: n.name, input: [...n.inputs], output: [...n.outputs], domain: '',
        attribute: Object.entries(n.attrs).map(([k, v]) => attrProto(k, v)),
      })),
      initializer,
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    },
  });
}

function checkOutputs(g: GraphCore): void {
  if (g.outputs.length === 0) throw new GlimpseError('bad_argument', `graph '${g.graphName}': no outputs (call g.output(name, tensor))`);
}

/** Serialises the whole model (weights embedded) to bytes for `InferenceSession.create(bytes)`. */
export function toBytes(g: GraphCore, options: SerializeOptions = {}): Uint8Array {
  checkOutputs(g);
  let total = 0;
  for (const r of g.inits.values()) total += r.data.byteLength;
  if (total > MAX_PROTO - 64 * 1024 * 1024) {
    throw new GlimpseError('too_large', `graph '${g.graphName}': ${(total / 2 ** 30).toFixed(2)} GiB of initializers exceed the 2 GiB protobuf limit`, 'use saveModel(g, path) (external data) or pass the weights as graph inputs');
  }
  return onnx.ModelProto.encode(modelProto(g, options)).finish();
}

/**
 * Saves the model to `path` with ONNX external data: initializers of at least
 * `externalDataThreshold` bytes (default 1 MiB) go to `<path>.data` next to it. Create the
 * session from `path` (ONNX Runtime resolves the side file relative to the model). Returns the
 * paths written.
 */
export function saveModel(g: GraphCore, path: string, options: SerializeOptions = {}): { model: string; data?: string } {
  checkOutputs(g);
  const threshold = options.externalDataThreshold ?? 1024 * 1024;
  const location = `${basename(path)}.data`;
  const place = new Map<string, [number, number]>();
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const r of g.inits.values()) {
    if (r.constant || r.data.byteLength < threshold) continue;
    const pad = (64 - (offset % 64)) % 64; // keep tensors aligned for mmap
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    place.set(r.name, [offset, r.data.byteLength]);
    chunks.push(bytesOf(r.data));
    offset += r.data.byteLength;
  }
  mkdirSync(dirname(path), { recursive: true });
  const dataPath = join(dirname(path), location);
  if (place.size > 0) {
    // The side file may be larger than one Buffer: write it chunk by chunk, then move it into place
    // before the model that points at it.
    const tmp = `${dataPath}.${process.pid}.tmp`;
    writeFileSync(tmp, new Uint8Array(0));
    for (const c of chunks) writeFileSync(tmp, c, { flag: 'a' });
    renameSync(tmp, dataPath);
  }
  const bytes = onnx.ModelProto.encode(modelProto(g, options, place.size ? { location, place } : undefined)).finish();
  writeFileAtomicSync(path, bytes);
  return place.size ? { model: path, data: dataPath } : { model: path };
}

