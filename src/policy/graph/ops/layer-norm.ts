/**
 * LayerNormalization (opset 17) over the axes from `axis` to the last: `y = (x − μ)·σ⁻¹·scale + bias`
 * (Ba et al. 2016). The node also outputs μ and σ⁻¹, which the gradient reuses:
 * `x̂ = (x − μ)σ⁻¹`, `g = dy·scale`, `dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))`,
 * `dscale = Σ dy·x̂`, `dbias = Σ dy` (over the leading axes).
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Tensor, normAxis } from '../tensor.js';
import { requireFloat } from './common.js';
import { unbroadcast } from './grad-util.js';

export function layerNorm(g: GraphCore, x: Tensor, scale: Tensor, bias?: Tensor, options: { axis?: number; epsilon?: number } = {}): Tensor {
  requireFloat(g, x, 'layerNorm');
  g.own(scale, 'layerNorm');
  if (bias) g.own(bias, 'layerNorm');
  const a = normAxis(options.axis ?? -1, x.rank, 'layerNorm');
  if (scale.dtype !== x.dtype || (bias && bias.dtype !== x.dtype)) throw new GlimpseError('bad_argument', 'layerNorm: scale and bias must have the dtype of x');
  const statShape = x.shape.map((d, i) => (i < a ? d : 1));
  // Mean and 1/σ are stashed in float32 (stash_type 1, the only one ONNX Runtime's CPU kernels take).
  const stash = 'float32';
  const [y] = g.node('LayerNormalization', [x, scale, bias], { axis: a, epsilon: { f: options.epsilon ?? 1e-5 } }, [
    { dtype: x.dtype, shape: x.shape },
    { dtype: stash, shape: statShape },
    { dtype: stash, shape: statShape },
  ]);
  return y!;
}

registerGradient('LayerNormalization', ({ g, x, y, dy, needs, attrs }) => {
  if (dy[1] || dy[2]) throw new GlimpseError('unsupported', 'LayerNormalization gradient: only the normalised output may reach the loss');
  const [xx, scale, bias] = x;
  const mean = g.cast(y[1]!, xx!.dtype);
  const invStd = g.cast(y[2]!, xx!.dtype);
  const d = dy[0]!;
  const a = attrs.axis as number;
  const axes = Array.from({ length: xx!.rank - a }, (_, i) => a + i);
  const xhat = g.mul(g.sub(xx!, mean), invStd);
  let dx: Tensor | undefined;
  if (needs[0]) {
    const gx = g.mul(d, scale!);
    const m1 = g.reduceMean(gx, axes, true);
    const m2 = g.reduceMean(g.mul(gx, xhat), axes, true);
    dx = g.mul(invStd, g.sub(g.sub(gx, m1), g.mul(xhat, m2)));
  }
  return [
    dx,
    needs[1] ? unbroadcast(g, g.mul(d, xhat), scale!, 'LayerNormalization') : undefined,
    needs[2] && bias ? unbroadcast(g, d, bias, 'LayerNormalization') : undefined,
  ];
});
