/**
 * The core of the graph builder: values, nodes, inputs, initializers, constants and outputs of
 * one ONNX graph. Ops (./ops/*.ts) append nodes through {@link GraphCore.node}; the public
 * {@link GraphBuilder} (./builder.ts) adds one method per op on top of this class.
 */
import { GlimpseError } from '../../util/errors.js';
import { DTYPE_BYTES, type DType, type Dim, type Shape, Tensor, fmtShape } from './tensor.js';

/** A node attribute. Plain numbers are INTs; wrap floats as `{ f }`. */
export type AttrValue = number | number[] | string | string[] | { f: number } | { floats: number[] };

/** One emitted node. */
export interface NodeRec {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Gradient does not flow through this node (stopGradient). */
  readonly noGrad?: boolean;
  /**
   * A composite with a hand-written gradient (see GraphBuilder.customGradient): this Identity
   * stands for `outputs[0] = f(custom.inputs)`; autodiff calls `custom.rule` instead of
   * differentiating the (stopped) nodes of f.
   */
  readonly custom?: { readonly inputs: readonly string[]; readonly saved: readonly string[]; readonly rule: unknown };
}

/** Host data of an initializer or constant. */
export type HostData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

/** One initializer (weight) or constant. */
export interface InitRec {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: HostData;
  /** True for builder-made constants (candidates for deduplication, never external). */
  readonly constant: boolean;
}

/** A named graph input or output. */
export interface ValueRec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Options of a graph. */
export interface GraphOptions {
  /** ONNX default-domain opset, 17 to 21 (default 18). */
  opset?: number;
  /** Graph name written to the model. */
  name?: string;
}

let nextGraphId = 1;

/** Expected typed-array class per dtype for initializers. */
const HOST_CHECK: Record<DType, (d: HostData) => boolean> = {
  float32: (d) => d instanceof Float32Array,
  float64: (d) => d instanceof Float64Array,
  float16: (d) => d instanceof Uint16Array,
  bfloat16: (d) => d instanceof Uint16Array,
  int64: (d) => d instanceof BigInt64Array,
  int32: (d) => d instanceof Int32Array,
  int8: (d) => d instanceof Int8Array,
  uint8: (d) => d instanceof Uint8Array,
  bool: (d) => d instanceof Uint8Array,
};

/** Converts plain numbers to the typed array of a dtype (float16/bfloat16 need Uint16Array bits). */
export function toHostData(values: ArrayLike<number> | HostData, dtype: DType): HostData {
  if (HOST_CHECK[dtype](values as HostData)) return values as HostData;
  const arr = Array.from(values as ArrayLike<number | bigint>, Number);
  switch (dtype) {
    case 'float32': return Float32Array.from(arr);
    case 'float64': return Float64Array.from(arr);
    case 'int64': return BigInt64Array.from(arr, (v) => BigInt(Math.trunc(v)));
    case 'int32': return Int32Array.from(arr);
    case 'int8': return Int8Array.from(arr);
    case 'uint8': return Uint8Array.from(arr);
    case 'bool': return Uint8Array.from(arr, (v) => (v ? 1 : 0));
    default:
      throw new GlimpseError('unsupported', `constant: give ${dtype} data as a Uint16Array of raw bits`);
  }
}

/** The graph state and the low-level node emitter. */
export class GraphCore {
  readonly id = nextGraphId++;
  readonly opset: number;
  readonly graphName: string;
  readonly nodes: NodeRec[] = [];
  readonly inputs: ValueRec[] = [];
  readonly outputs: ValueRec[] = [];
  readonly inits = new Map<string, InitRec>();
  /** Every value by name. */
  readonly values = new Map<string, Tensor>();
  /** Producer node of each node output. */
  readonly producer = new Map<string, NodeRec>();
  /** Where each symbolic dimension can be read at run time: the first input that has it. */
  readonly symbolSources = new Map<string, { tensor: Tensor; axis: number }>();
  private readonly constCache = new Map<string, Tensor>();
  private readonly shapeCache = new Map<string, Tensor>();
  private readonly counters = new Map<string, number>();

  constructor(options: GraphOptions = {}) {
    const opset = options.opset ?? 18;
    if (!Number.isInteger(opset) || opset < 17 || opset > 21) {
      throw new GlimpseError('bad_argument', `GraphBuilder: opset ${opset} is not supported (use 17 to 21)`);
    }
    this.opset = opset;
    this.graphName = options.name ?? 'glimpse';
  }

  /** A fresh name with this prefix, unique in the graph. */
  uniqueName(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let name: string;
    do {
      name = `${prefix}_${n++}`;
    } while (this.values.has(name) || this.inits.has(name) || this.values.has(`${name}_out`) || this.values.has(`${name}_out0`));
    this.counters.set(prefix, n);
    return name;
  }

  private claim(name: string, what: string): void {
    if (!name || typeof name !== 'string') throw new GlimpseError('bad_argument', `${what}: a name is required`);
    if (this.values.has(name)) throw new GlimpseError('bad_argument', `${what}: the name '${name}' is already used in graph '${this.graphName}'`);
  }

  /** Throws unless `t` is a tensor of this graph. */
  own(t: Tensor, op: string): Tensor {
    if (!(t instanceof Tensor)) throw new GlimpseError('bad_argument', `${op}: expected a Tensor, got ${typeof t}`);
    if (t.graph.id !== this.id) throw new GlimpseError('bad_argument', `${op}: tensor '${t.name}' belongs to another graph`);
    return t;
  }

  /**
   * A named graph input (fed at run time). Symbolic dims (strings) become ONNX dim_params and
   * can be used in later shapes (reshape/expand) because the builder reads them from this input.
   */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    this.claim(name, 'input');
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) {
        throw new GlimpseError('bad_argument', `input '${name}': dimension ${d} must be a non-negative integer or a name`);
      }
      if (typeof d === 'string' && d.length === 0) throw new GlimpseError('bad_argument', `input '${name}': empty dimension name`);
    }
    const t = new Tensor(this, name, dtype, [...shape]);
    this.values.set(name, t);
    this.inputs.push({ name, dtype, shape: [...shape] });
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.symbolSources.has(d)) this.symbolSources.set(d, { tensor: t, axis });
    });
    return t;
  }

  /** Adds an initializer (a weight stored in the model). `dims` are static. */
  addInit(name: string, dtype: DType, dims: readonly number[], data: HostData, constant: boolean): Tensor {
    this.claim(name, constant ? 'constant' : 'initializer');
    const count = dims.reduce((a, b) => a * b, 1);
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw new GlimpseError('bad_argument', `initializer '${name}': bad dimension ${d}`);
    }
    if (!HOST_CHECK[dtype](data)) throw new GlimpseError('bad_argument', `initializer '${name}': data is a ${data.constructor.name}, which does not hold ${dtype}`);
    if (data.length !== count) {
      throw new GlimpseError('bad_argument', `initializer '${name}': ${data.length} values for shape ${fmtShape(dims)} (${count} expected)`);
    }
    const t = new Tensor(this, name, dtype, [...dims]);
    this.values.set(name, t);
    this.inits.set(name, { name, dtype, dims: [...dims], data, constant });
    return t;
  }

  /** A constant tensor (deduplicated: the same small constant is emitted once). */
  constant(values: ArrayLike<number> | HostData, dtype: DType, dims: readonly number[] = [values.length]): Tensor {
    const data = toHostData(values, dtype);
    const key = data.length <= 64 ? `${dtype}|${dims.join(',')}|${Array.from(data as ArrayLike<number | bigint>, String).join(',')}` : undefined;
    if (key) {
      const hit = this.constCache.get(key);
      if (hit) return hit;
    }
    const t = this.addInit(this.uniqueName('const'), dtype, dims, data, true);
    if (key) this.constCache.set(key, t);
    return t;
  }

  /** A scalar constant of a dtype. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    return this.constant([value], dtype, []);
  }

  /** A 1-D int64 constant (axes, shapes, starts...). */
  int64s(values: readonly number[]): Tensor {
    return this.constant(values, 'int64', [values.length]);
  }

  /**
   * Emits one node. `outs` gives dtype and inferred shape of each output. Missing optional
   * inputs are `undefined`. Returns the output tensors.
   */
  node(
    opType: string,
    inputs: readonly (Tensor | undefined)[],
    attrs: Record<string, AttrValue | undefined>,
    outs: readonly { dtype: DType; shape: Shape }[],
    options: { noGrad?: boolean; custom?: NodeRec['custom'] } = {},
  ): Tensor[] {
    const inNames = inputs.map((t) => (t === undefined ? '' : this.own(t, opType).name));
    while (inNames.length > 0 && inNames[inNames.length - 1] === '') inNames.pop();
    const name = this.uniqueName(opType);
    const outputs = outs.map((o, i) => new Tensor(this, outs.length === 1 ? `${name}_out` : `${name}_out${i}`, o.dtype, o.shape));
    const cleanAttrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) cleanAttrs[k] = v;
    const rec: NodeRec = { opType, name, inputs: inNames, outputs: outputs.map((t) => t.name), attrs: cleanAttrs, ...(options.noGrad ? { noGrad: true } : {}), ...(options.custom ? { custom: options.custom } : {}) };
    this.nodes.push(rec);
    for (const t of outputs) {
      this.values.set(t.name, t);
      this.producer.set(t.name, rec);
    }
    return outputs;
  }

  /** Emits a single-output node. */
  node1(opType: string, inputs: readonly (Tensor | undefined)[], attrs: Record<string, AttrValue | undefined>, dtype: DType, shape: Shape, options: { noGrad?: boolean; custom?: NodeRec['custom'] } = {}): Tensor {
    return this.node(opType, inputs, attrs, [{ dtype, shape }], options)[0]!;
  }

  /**
   * A 1-D int64 tensor holding `dims` at run time: numbers become constants, symbolic names are
   * read from the input that declared them (Shape with start/end). Throws for a symbol that no
   * input declares.
   */
  shapeTensor(dims: readonly Dim[]): Tensor {
    if (dims.every((d) => typeof d === 'number')) return this.int64s(dims as number[]);
    const key = dims.join(',');
    const hit = this.shapeCache.get(key);
    if (hit) return hit;
    const parts: Tensor[] = [];
    let run: number[] = [];
    for (const d of dims) {
      if (typeof d === 'number') {
        run.push(d);
        continue;
      }
      if (run.length) parts.push(this.int64s(run));
      run = [];
      parts.push(this.dimTensor(d));
    }
    if (run.length) parts.push(this.int64s(run));
    const out = parts.length === 1 ? parts[0]! : this.node1('Concat', parts, { axis: 0 }, 'int64', [dims.length]);
    this.shapeCache.set(key, out);
    return out;
  }

  /** A 1-element int64 tensor with the run-time size of a symbolic dimension. */
  dimTensor(sym: string): Tensor {
    const key = `#${sym}`;
    const hit = this.shapeCache.get(key);
    if (hit) return hit;
    const src = this.symbolSources.get(sym);
    if (!src) {
      throw new GlimpseError('bad_argument', `shape: the symbolic dimension '${sym}' is not declared by any graph input`, 'declare it in an input shape, or use a number');
    }
    const out = this.node1('Shape', [src.tensor], { start: src.axis, end: src.axis + 1 }, 'int64', [1]);
    this.shapeCache.set(key, out);
    return out;
  }

  /** The run-time shape of a tensor as a 1-D int64 tensor (constant when static). */
  shapeOf(t: Tensor): Tensor {
    this.own(t, 'shapeOf');
    if (t.shape.every((d) => typeof d === 'number')) return this.int64s(t.shape as number[]);
    const key = `@${t.name}`;
    const hit = this.shapeCache.get(key);
    if (hit) return hit;
    // Prefer declared symbols (shared and cheap); fall back to Shape(t).
    const out = t.shape.every((d) => typeof d === 'number' || this.symbolSources.has(d))
      ? this.shapeTensor(t.shape)
      : this.node1('Shape', [t], {}, 'int64', [t.rank]);
    this.shapeCache.set(key, out);
    return out;
  }

  /** Marks `t` as a graph output called `name` (an Identity is added when the names differ). */
  output(name: string, t: Tensor): Tensor {
    this.own(t, 'output');
    if (this.outputs.some((o) => o.name === name)) throw new GlimpseError('bad_argument', `output: '${name}' is already an output`);
    let out = t;
    if (t.name !== name) {
      this.claim(name, 'output');
      const rec: NodeRec = { opType: 'Identity', name: this.uniqueName('Identity'), inputs: [t.name], outputs: [name], attrs: {} };
      this.nodes.push(rec);
      out = new Tensor(this, name, t.dtype, t.shape);
      this.values.set(name, out);
      this.producer.set(name, rec);
    }
    this.outputs.push({ name, dtype: t.dtype, shape: t.shape });
    return out;
  }

  /** The values of a builder constant (for rules that need static attributes), else undefined. */
  constValue(t: Tensor): number[] | undefined {
    const r = this.inits.get(t.name);
    if (!r || !r.constant) return undefined;
    return Array.from(r.data as ArrayLike<number | bigint>, Number);
  }

  /** Total bytes of the non-constant initializers (the weights). */
  weightBytes(): number {
    let n = 0;
    for (const r of this.inits.values()) if (!r.constant) n += r.data.length * DTYPE_BYTES[r.dtype];
    return n;
  }
}
