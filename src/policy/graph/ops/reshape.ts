/**
 * Reshape to a shape given as dims (numbers, symbolic names read from the graph inputs, `-1` for
 * "the rest", `0` for "same as input") or as an int64 shape tensor. Gradient: `dy` reshaped back.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Shape, Tensor, fmtShape } from '../tensor.js';
import { freshDim, staticSize } from './common.js';

function inferReshape(x: Tensor, dims: Shape): Dim[] {
  const out: Dim[] = dims.map((d, i) => (d === 0 ? (x.shape[i] ?? 0) : d));
  const neg = out.filter((d) => d === -1).length;
  if (neg > 1) throw new GlimpseError('bad_argument', `reshape: more than one -1 in ${fmtShape(dims)}`);
  for (const d of out) if (typeof d === 'number' && (d < -1 || !Number.isInteger(d))) throw new GlimpseError('bad_argument', `reshape: bad dimension ${d} in ${fmtShape(dims)}`);
  const total = staticSize(x.shape);
  const known = staticSize(out.filter((d) => d !== -1));
  if (neg === 1) {
    const i = out.indexOf(-1);
    if (total !== undefined && known !== undefined) {
      if (known === 0 || total % known !== 0) throw new GlimpseError('bad_argument', `reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(dims)}`);
      out[i] = total / known;
    } else {
      // symbolic: cancel equal dims of input and output; a single leftover dim is the answer
      const rest = [...x.shape];
      let ok = true;
      for (const d of out) {
        if (d === -1) continue;
        const k = rest.indexOf(d);
        if (k >= 0) rest.splice(k, 1);
        else ok = false;
      }
      out[i] = ok && rest.length === 1 ? rest[0]! : freshDim();
    }
  } else if (total !== undefined && known !== undefined && total !== known) {
    throw new GlimpseError('bad_argument', `reshape: cannot reshape ${fmtShape(x.shape)} (${total} values) to ${fmtShape(dims)} (${known})`);
  }
  return out;
}

/** Reshape `x` to `dims`, or to a run-time shape tensor; `outShape` declares the result's (symbolic) shape. */
export function reshape(g: GraphCore, x: Tensor, dims: Shape | Tensor, outShape?: Shape): Tensor {
  g.own(x, 'reshape');
  if (dims instanceof Tensor) {
    if (dims.dtype !== 'int64' || dims.rank !== 1) throw new GlimpseError('bad_argument', 'reshape: a shape tensor must be 1-D int64');
    const n = dims.shape[0];
    return g.node1('Reshape', [x, dims], {}, x.dtype, outShape ?? (typeof n === 'number' ? Array.from({ length: n }, freshDim) : []));
  }
  const inferred = inferReshape(x, dims);
  const out = outShape && outShape.length === inferred.length ? [...outShape] : inferred;
  if (out.length === x.rank && out.every((d, i) => d === x.shape[i])) return x;
  return g.node1('Reshape', [x, g.shapeTensor(dims)], {}, x.dtype, out);
}

registerGradient('Reshape', ({ g, x, dy }) => [g.reshapeLike(dy[0]!, x[0]!)]);
