/**
 * The typed ONNX graph builder: one method per op, each inferring the output dtype and (partly
 * symbolic) shape, plus inputs, initializers, constants, outputs and serialisation.
 *
 * @example
 *   const g = new GraphBuilder({ opset: 18 });
 *   const x = g.input('x', 'float32', ['batch', 'seq', 256]);
 *   const w = g.initializer('w', new Float32Array(256 * 64), [256, 64]);
 *   const y = g.matmul(x, w);                    // float32 ['batch', 'seq', 64]
 *   const loss = g.reduceMean(g.mul(y, y), undefined, false);
 *   g.output('loss', loss);
 *   const [dw] = grad(g, loss, [w]);            // appends the backward graph
 *   g.output('dw', dw!);
 *   const session = await InferenceSession.create(g.toBytes());
 */
import { GlimpseError } from '../../util/errors.js';
import { GraphCore, type HostData, toHostData } from './core.js';
import type { CustomGradRule } from './registry.js';
import { type SerializeOptions, saveModel, toBytes } from './serialize.js';
import { type DType, type Shape, Tensor, isFloat } from './tensor.js';
import { add } from './ops/add.js';
import { cast } from './ops/cast.js';
import { clip } from './ops/clip.js';
import { type TensorLike } from './ops/common.js';
import { concat } from './ops/concat.js';
import { type ConvOptions, conv } from './ops/conv.js';
import { cos } from './ops/cos.js';
import { div } from './ops/div.js';
import { erf } from './ops/erf.js';
import { exp } from './ops/exp.js';
import { expand } from './ops/expand.js';
import { gatherElements } from './ops/gather-elements.js';
import { gather } from './ops/gather.js';
import { type GemmOptions, gemm } from './ops/gemm.js';
import { identity, stopGradient } from './ops/identity.js';
import { layerNorm } from './ops/layer-norm.js';
import { logSoftmax } from './ops/log-softmax.js';
import { log } from './ops/log.js';
import { compare, logical, not } from './ops/logic.js';
import { matmul } from './ops/matmul.js';
import { max } from './ops/max.js';
import { min } from './ops/min.js';
import { mul } from './ops/mul.js';
import { neg } from './ops/neg.js';
import { pad, padDynamic } from './ops/pad.js';
import { pow } from './ops/pow.js';
import { reduceMax } from './ops/reduce-max.js';
import { reduceMean } from './ops/reduce-mean.js';
import { reduceSum } from './ops/reduce-sum.js';
import { relu } from './ops/relu.js';
import { reshape } from './ops/reshape.js';
import { type ScatterReduction, gatherND, scatterElements, scatterND } from './ops/scatter.js';
import { argMax, dimOf, fill, range, size } from './ops/shape-info.js';
import { sigmoid } from './ops/sigmoid.js';
import { sin } from './ops/sin.js';
import { slice, sliceDynamic } from './ops/slice.js';
import { softmax } from './ops/softmax.js';
import { split } from './ops/split.js';
import { sqrt } from './ops/sqrt.js';
import { squeeze } from './ops/squeeze.js';
import { sub } from './ops/sub.js';
import { sum } from './ops/sum.js';
import { tanh } from './ops/tanh.js';
import { transpose } from './ops/transpose.js';
import { trilu } from './ops/trilu.js';
import { unsqueeze } from './ops/unsqueeze.js';
import { where } from './ops/where.js';

export type { TensorLike } from './ops/common.js';

/** The graph builder. All tensors it returns belong to it; mixing graphs is an error. */
export class GraphBuilder extends GraphCore {
  /**
   * A weight stored in the model (trainable when passed to `grad`). Data is copied by reference:
   * keep it unchanged until serialised. `float16`/`bfloat16` take a Uint16Array of raw bits.
   */
  initializer(name: string, data: HostData | ArrayLike<number>, dims: readonly number[], dtype?: DType): Tensor {
    if (!dtype && data instanceof Uint16Array) {
      throw new GlimpseError('bad_argument', `initializer '${name}': a Uint16Array needs an explicit dtype ('float16' or 'bfloat16')`);
    }
    const dt: DType = dtype ?? (data instanceof Float64Array ? 'float64' : data instanceof BigInt64Array ? 'int64' : data instanceof Int32Array ? 'int32'
      : data instanceof Int8Array ? 'int8' : data instanceof Uint8Array ? 'uint8' : 'float32');
    return this.addInit(name, dt, dims, toHostData(data as HostData, dt), false);
  }

  // --- elementwise arithmetic (numpy broadcasting; numbers become scalar constants) ---
  add(a: TensorLike, b: TensorLike): Tensor { return add(this, a, b); }
  sub(a: TensorLike, b: TensorLike): Tensor { return sub(this, a, b); }
  mul(a: TensorLike, b: TensorLike): Tensor { return mul(this, a, b); }
  div(a: TensorLike, b: TensorLike): Tensor { return div(this, a, b); }
  pow(a: TensorLike, b: TensorLike): Tensor { return pow(this, a, b); }
  min(a: TensorLike, b: TensorLike): Tensor { return min(this, a, b); }
  max(a: TensorLike, b: TensorLike): Tensor { return max(this, a, b); }
  /** Sum of any number of tensors. */
  sum(xs: readonly Tensor[]): Tensor { return sum(this, xs); }
  neg(x: Tensor): Tensor { return neg(this, x); }
  sqrt(x: Tensor): Tensor { return sqrt(this, x); }
  exp(x: Tensor): Tensor { return exp(this, x); }
  log(x: Tensor): Tensor { return log(this, x); }
  tanh(x: Tensor): Tensor { return tanh(this, x); }
  sigmoid(x: Tensor): Tensor { return sigmoid(this, x); }
  erf(x: Tensor): Tensor { return erf(this, x); }
  relu(x: Tensor): Tensor { return relu(this, x); }
  cos(x: Tensor): Tensor { return cos(this, x); }
  sin(x: Tensor): Tensor { return sin(this, x); }
  clip(x: Tensor, min?: number, max?: number): Tensor { return clip(this, x, min, max); }
  cast(x: Tensor, to: DType): Tensor { return cast(this, x, to); }
  identity(x: Tensor): Tensor { return identity(this, x); }
  /** `x` treated as a constant by `grad` (PyTorch `detach`, JAX `stop_gradient`). */
  stopGradient(x: Tensor): Tensor { return stopGradient(this, x); }

  // --- comparisons and logic (bool results, no gradient) ---
  equal(a: TensorLike, b: TensorLike): Tensor { return compare(this, 'Equal', a, b); }
  less(a: TensorLike, b: TensorLike): Tensor { return compare(this, 'Less', a, b); }
  lessOrEqual(a: TensorLike, b: TensorLike): Tensor { return compare(this, 'LessOrEqual', a, b); }
  greater(a: TensorLike, b: TensorLike): Tensor { return compare(this, 'Greater', a, b); }
  greaterOrEqual(a: TensorLike, b: TensorLike): Tensor { return compare(this, 'GreaterOrEqual', a, b); }
  and(a: Tensor, b: Tensor): Tensor { return logical(this, 'And', a, b); }
  or(a: Tensor, b: Tensor): Tensor { return logical(this, 'Or', a, b); }
  not(a: Tensor): Tensor { return not(this, a); }
  /** `cond ? a : b` elementwise. */
  where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor { return where(this, cond, a, b); }

  // --- linear algebra ---
  /** `[..., M, K] x [..., K, N] -> [..., M, N]`. */
  matmul(a: Tensor, b: Tensor): Tensor { return matmul(this, a, b); }
  /** `alpha·op(A)·op(B) + beta·C` on 2-D A, B. */
  gemm(a: Tensor, b: Tensor, o: GemmOptions & { c?: Tensor } = {}): Tensor { return gemm(this, a, b, o.c, o); }
  /** N-d convolution `[N, C, ...S] * [O, C/group, ...K] -> [N, O, ...]`. */
  conv(x: Tensor, w: Tensor, b?: Tensor, o: ConvOptions = {}): Tensor { return conv(this, x, w, b, o); }

  // --- normalisation and activations of whole axes ---
  softmax(x: Tensor, axis = -1): Tensor { return softmax(this, x, axis); }
  logSoftmax(x: Tensor, axis = -1): Tensor { return logSoftmax(this, x, axis); }
  /** LayerNormalization over the axes from `axis` (default -1) on. */
  layerNorm(x: Tensor, scale: Tensor, bias?: Tensor, o: { axis?: number; epsilon?: number } = {}): Tensor { return layerNorm(this, x, scale, bias, o); }

  // --- reductions (axes omitted: all axes) ---
  reduceSum(x: Tensor, axes?: readonly number[], keepdims = true): Tensor { return reduceSum(this, x, axes, keepdims); }
  reduceMean(x: Tensor, axes?: readonly number[], keepdims = true): Tensor { return reduceMean(this, x, axes, keepdims); }
  reduceMax(x: Tensor, axes?: readonly number[], keepdims = true): Tensor { return reduceMax(this, x, axes, keepdims); }

  // --- shapes ---
  /** Reshape to dims (numbers, declared symbols, -1, 0) or to a shape tensor with a declared `outShape`. */
  reshape(x: Tensor, dims: Shape | Tensor, outShape?: Shape): Tensor { return reshape(this, x, dims, outShape); }
  /** Reshape `x` to the (run-time) shape of `like`. */
  reshapeLike(x: Tensor, like: Tensor): Tensor {
    if (x.rank === like.rank && x.shape.every((d, i) => d === like.shape[i])) return x;
    return reshape(this, x, this.shapeOf(like), like.shape);
  }
  transpose(x: Tensor, perm?: readonly number[]): Tensor { return transpose(this, x, perm); }
  squeeze(x: Tensor, axes: readonly number[]): Tensor { return squeeze(this, x, axes); }
  unsqueeze(x: Tensor, axes: readonly number[]): Tensor { return unsqueeze(this, x, axes); }
  concat(xs: readonly Tensor[], axis: number): Tensor { return concat(this, xs, axis); }
  split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] { return split(this, x, sizes, axis); }
  slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor { return slice(this, x, starts, ends, axes, steps); }
  sliceDynamic(x: Tensor, start: Tensor, end: Tensor, axis: number, outShape: Shape): Tensor { return sliceDynamic(this, x, start, end, axis, outShape); }
  pad(x: Tensor, pads: readonly number[], value = 0): Tensor { return pad(this, x, pads, value); }
  padDynamic(x: Tensor, pads: Tensor, outShape: Shape): Tensor { return padDynamic(this, x, pads, outShape); }
  /** Broadcast to dims, or to a shape tensor with a declared `outShape`. */
  expand(x: Tensor, dims: Shape | Tensor, outShape?: Shape): Tensor { return expand(this, x, dims, outShape); }
  trilu(x: Tensor, upper: boolean, k = 0): Tensor { return trilu(this, x, upper, k); }
  dimOf(x: Tensor, axis: number): Tensor { return dimOf(this, x, axis); }
  size(x: Tensor): Tensor { return size(this, x); }
  fill(shape: Tensor, value: number, dtype: DType, outShape: Shape): Tensor { return fill(this, shape, value, dtype, outShape); }
  range(start: Tensor, limit: Tensor, delta: Tensor): Tensor { return range(this, start, limit, delta); }
  /** Index of the maximum along `axis` (int64). */
  argMax(x: Tensor, axis = -1, keepdims = false): Tensor { return argMax(this, x, axis, keepdims); }

  // --- indexing ---
  gather(x: Tensor, indices: Tensor, axis = 0): Tensor { return gather(this, x, indices, axis); }
  gatherElements(x: Tensor, indices: Tensor, axis: number): Tensor { return gatherElements(this, x, indices, axis); }
  gatherND(x: Tensor, indices: Tensor): Tensor { return gatherND(this, x, indices); }
  scatterND(data: Tensor, indices: Tensor, updates: Tensor, reduction: ScatterReduction = 'none'): Tensor { return scatterND(this, data, indices, updates, reduction); }
  scatterElements(data: Tensor, indices: Tensor, updates: Tensor, axis: number, reduction: ScatterReduction = 'none'): Tensor { return scatterElements(this, data, indices, updates, axis, reduction); }

  // --- composites with hand-written gradients ---
  /**
   * Builds `forward(...inputs)` and gives it a hand-written gradient: autodiff calls `rule`
   * instead of differentiating the forward's nodes (which see the inputs through stopGradient).
   * `forward` returns the output, or `[output, ...saved]` to keep intermediates for the rule.
   * Use it where the derivative has a much leaner form than the chain rule over the pieces
   * (activations, fused normalisations).
   *
   * @example
   *   const y = g.customGradient([x], (x) => { const s = g.sigmoid(x); return [g.mul(x, s), s]; },
   *     ({ g, x, saved: [s], dy }) => [g.mul(dy, g.mul(s!, g.add(g.mul(x[0]!, g.sub(1, s!)), 1)))]);
   */
  customGradient(inputs: readonly Tensor[], forward: (...xs: Tensor[]) => Tensor | readonly Tensor[], rule: CustomGradRule): Tensor {
    inputs.forEach((t) => this.own(t, 'customGradient'));
    const stopped = inputs.map((t) => this.stopGradient(t));
    const first = this.nodes.length;
    const res = forward(...stopped);
    // A float value captured from outside (not passed in `inputs`) would silently get no gradient.
    const inside = new Set(stopped.map((t) => t.name));
    for (const n of this.nodes.slice(first)) {
      for (const i of n.inputs) {
        if (!i || inside.has(i)) continue;
        const t = this.values.get(i);
        if (t && isFloat(t.dtype) && !this.inits.get(i)?.constant) {
          throw new GlimpseError('bad_argument', `customGradient: forward uses '${i}', which is not among its inputs (its gradient would be lost); pass it in inputs`);
        }
      }
      for (const o of n.outputs) inside.add(o);
    }
    const [y, ...saved] = res instanceof Tensor ? [res] : res;
    if (!y) throw new GlimpseError('bad_argument', 'customGradient: forward returned no output');
    this.own(y, 'customGradient');
    return this.node1('Identity', [y], {}, y.dtype, y.shape, {
      custom: { inputs: inputs.map((t) => t.name), saved: saved.map((t) => this.own(t, 'customGradient').name), rule },
    });
  }

  // --- serialisation ---
  /** The ONNX model as bytes (weights embedded; < 2 GiB), for `InferenceSession.create(bytes)`. */
  toBytes(options: SerializeOptions = {}): Uint8Array { return toBytes(this, options); }
  /** Saves `path` + `<path>.data` (ONNX external data) for models of any size. */
  save(path: string, options: SerializeOptions = {}): { model: string; data?: string } { return saveModel(this, path, options); }

  /** Looks a value up by name (inputs, initializers, node outputs). */
  tensor(name: string): Tensor {
    const t = this.values.get(name);
    if (!t) throw new GlimpseError('not_found', `graph '${this.graphName}': no value named '${name}'`);
    return t;
  }
}
