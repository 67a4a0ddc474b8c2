/**
 * Finite-difference gradient checking of the graph autodiff, usable for single ops and whole
 * models. The checked function's output `y` is reduced to `L = Σ y·r` with a random `r`, its
 * analytic gradients come from {@link grad}, and sampled elements are compared with central
 * differences `(L(x+ε) − L(x−ε)) / 2ε`.
 */
import * as ort from 'onnxruntime-node';
import { GlimpseError } from '../../util/errors.js';
import { grad } from './autodiff.js';
import { GraphBuilder } from './builder.js';
import type { DType, Tensor } from './tensor.js';

/** One input of a checked function. */
export interface CheckInput {
  dtype: DType;
  shape: number[];
  /** Values (default: uniform in `range`). */
  data?: ArrayLike<number>;
  /** Uniform range of random values (default [-1, 1]; integers: [0, range[1])). */
  range?: [number, number];
  /** Differentiate with respect to this input (default: true for float inputs). */
  wrt?: boolean;
}

export interface GradCheckOptions {
  inputs: Record<string, CheckInput>;
  /** Builds the function; returns its output (any float shape). */
  build: (g: GraphBuilder, x: Record<string, Tensor>) => Tensor;
  /** Step (default 1e-6 for float64, 1e-2 for float32). */
  eps?: number;
  /** Tolerances (defaults: float64 rtol 1e-5 atol 1e-7; float32 rtol 3e-2 atol 3e-3). */
  rtol?: number;
  atol?: number;
  /** Elements checked per input (default 12). */
  samples?: number;
  seed?: number;
  opset?: number;
  /** ONNX Runtime optimisation level for the check (default 'basic'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface GradCheckResult {
  checked: number;
  /** Largest |analytic − numeric| / (atol + rtol·max(|a|, |n|)); ≤ 1 passes. */
  worst: number;
  failures: string[];
}

/** Small deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeTensor(dtype: DType, data: ArrayLike<number>, shape: number[]): ort.Tensor {
  switch (dtype) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from(data), shape);
    case 'float64': return new ort.Tensor('float64', Float64Array.from(data), shape);
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(Array.from(data), (v) => BigInt(v)), shape);
    case 'int32': return new ort.Tensor('int32', Int32Array.from(data), shape);
    case 'bool': return new ort.Tensor('bool', Uint8Array.from(data), shape);
    default: throw new GlimpseError('unsupported', `gradCheck: ${dtype} inputs are not supported`);
  }
}

/** Runs a gradient check; never throws on a mismatch (see `failures`). */
export async function gradCheck(o: GradCheckOptions): Promise<GradCheckResult> {
  const rand = seededRandom(o.seed ?? 1);
  const values: Record<string, number[]> = {};
  for (const [name, spec] of Object.entries(o.inputs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const isInt = spec.dtype === 'int64' || spec.dtype === 'int32' || spec.dtype === 'bool';
    const [lo, hi] = spec.range ?? (isInt ? [0, 2] : [-1, 1]);
    values[name] = spec.data ? Array.from(spec.data) : Array.from({ length: n }, () => (isInt ? Math.floor(lo + rand() * (hi - lo)) : lo + rand() * (hi - lo)));
  }
  const wrtNames = Object.entries(o.inputs).filter(([, s]) => s.wrt ?? (s.dtype === 'float32' || s.dtype === 'float64')).map(([k]) => k);

  // Forward-only graph to learn the output's run-time shape.
  const build = (withGrad: boolean, outShape?: number[]) => {
    const g = new GraphBuilder({ opset: o.opset ?? 18, name: 'gradcheck' });
    const x: Record<string, Tensor> = {};
    for (const [name, spec] of Object.entries(o.inputs)) x[name] = g.input(name, spec.dtype, spec.shape);
    const y = o.build(g, x);
    if (!withGrad) {
      g.output('y', g.identity(y));
      return g;
    }
    const r = g.input('gc_r', 'float64', outShape!);
    const y64 = y.dtype === 'float64' ? y : g.cast(y, 'float64');
    const loss = g.reduceSum(g.mul(y64, r), undefined, false);
    g.output('loss', loss);
    const grads = grad(g, loss, wrtNames.map((k) => x[k]!));
    grads.forEach((d, i) => g.output(`d_${wrtNames[i]}`, d));
    return g;
  };
  const feeds = (over?: { name: string; index: number; delta: number }) => {
    const f: Record<string, ort.Tensor> = {};
    for (const [name, spec] of Object.entries(o.inputs)) {
      let v = values[name]!;
      if (over && over.name === name) {
        v = v.slice();
        v[over.index]! += over.delta;
      }
      f[name] = makeTensor(spec.dtype, v, spec.shape);
    }
    return f;
  };
  // 'basic': constant folding only. (At 'extended' and above ONNX Runtime fuses x·σ(x) into QuickGelu, which has
  // no float64 kernel; the checks are about our graph, not ONNX Runtime's fusions.)
  const opts: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: o.optimization ?? 'basic', intraOpNumThreads: 1 };
  const fwd = await ort.InferenceSession.create(build(false).toBytes(), opts);
  const y0 = (await fwd.run(feeds())).y!;
  await fwd.release();
  const outShape = y0.dims.map(Number);
  const rVals = Float64Array.from({ length: y0.size }, () => rand() * 2 - 1);
  const sess = await ort.InferenceSession.create(build(true, outShape).toBytes(), opts);
  const rT = new ort.Tensor('float64', rVals, outShape);
  const run = async (over?: { name: string; index: number; delta: number }) => sess.run({ ...feeds(over), gc_r: rT });
  const base = await run();
  const res: GradCheckResult = { checked: 0, worst: 0, failures: [] };
  for (const name of wrtNames) {
    const spec = o.inputs[name]!;
    const f64 = spec.dtype === 'float64';
    const eps = o.eps ?? (f64 ? 1e-6 : 1e-2);
    const rtol = o.rtol ?? (f64 ? 1e-5 : 3e-2);
    const atol = o.atol ?? (f64 ? 1e-7 : 3e-3);
    const analytic = base[`d_${name}`]!.data as Float32Array | Float64Array;
    const n = analytic.length;
    const count = Math.min(n, o.samples ?? 12);
    const picks = count === n ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: count }, () => Math.floor(rand() * n));
    for (const i of picks) {
      const lp = Number((await run({ name, index: i, delta: eps })).loss!.data[0]);
      const lm = Number((await run({ name, index: i, delta: -eps })).loss!.data[0]);
      const num = (lp - lm) / (2 * eps);
      const ana = Number(analytic[i]);
      const ratio = Math.abs(ana - num) / (atol + rtol * Math.max(Math.abs(ana), Math.abs(num)));
      res.checked++;
      if (!(ratio <= 1)) res.failures.push(`${name}[${i}]: analytic ${ana} vs numeric ${num}`);
      res.worst = Math.max(res.worst, Number.isNaN(ratio) ? Infinity : ratio);
    }
  }
  await sess.release();
  return res;
}
