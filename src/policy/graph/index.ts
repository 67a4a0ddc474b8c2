/** Public API of the graph builder and autodiff. See docs/graph.md. */
export { GraphBuilder, type TensorLike } from './builder.js';
export { grad, type GradOptions } from './autodiff.js';
export { Tensor, type DType, type Dim, type Shape, isFloat, ONNX_DTYPE, DTYPE_BYTES } from './tensor.js';
export type { AttrValue, GraphOptions, HostData, NodeRec } from './core.js';
export { registerGradient, registerNoGradient, knownGradients, type GradContext, type GradRule, type CustomGradContext, type CustomGradRule } from './registry.js';
export { saveModel, toBytes, type SerializeOptions } from './serialize.js';
export { optimizeGraph } from './optimize.js';
export type { ConvOptions } from './ops/conv.js';
export type { GemmOptions } from './ops/gemm.js';
