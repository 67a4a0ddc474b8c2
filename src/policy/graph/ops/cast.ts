/** Cast to another dtype. Gradient: `dy` cast back to the input's dtype (none for integer inputs). */
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type DType, ONNX_DTYPE, type Tensor, isFloat } from '../tensor.js';

export function cast(g: GraphCore, x: Tensor, to: DType): Tensor {
  g.own(x, 'cast');
  if (x.dtype === to) return x;
  return g.node1('Cast', [x], { to: ONNX_DTYPE[to] }, to, x.shape);
}

registerGradient('Cast', ({ g, x, dy }) => [isFloat(x[0]!.dtype) && isFloat(dy[0]!.dtype) ? g.cast(dy[0]!, x[0]!.dtype) : undefined]);
