/**
 * A small decoder-only transformer language model built with the builder and `nn.ts`: the
 * workload of the graph benchmark, the "it trains" test and the end-to-end gradient check.
 * Token embedding -> `layers` pre-norm blocks (causal attention + MLP) -> final norm -> LM head ->
 * mean cross-entropy. Weights are graph inputs (as trainable LoRA/full weights are), named
 * `layers.<i>.<name>`; gradients are outputs `grad.<name>`.
 */
import { grad } from './autodiff.js';
import { GraphBuilder } from './builder.js';
import { seededRandom } from './gradcheck.js';
import { type BlockWeights, crossEntropy, layerNorm, linear, rmsNorm, rotaryTables, transformerBlock } from './nn.js';
import type { Shape, Tensor } from './tensor.js';

export interface ToyConfig {
  vocab: number;
  dim: number;
  heads: number;
  kvHeads?: number;
  mlp: number;
  layers: number;
  /** Sequence length (static: rotary tables are constants); batch is symbolic. */
  seq: number;
  dtype?: 'float32' | 'float64';
  norm?: 'layer' | 'rms';
  act?: 'gelu' | 'gelu_tanh' | 'relu' | 'silu';
  rope?: boolean;
  /** Add the backward graph (default true). */
  withGrad?: boolean;
}

export interface ToyModel {
  g: GraphBuilder;
  /** Trainable parameters in order: name, shape, and a seeded initial value. */
  params: { name: string; shape: number[]; init: Float64Array }[];
}

/** The trainable parameters of a config: names, shapes and seeded initial values. */
export function toyParams(c: ToyConfig, seed = 7): ToyModel['params'] {
  const rand = seededRandom(seed);
  const params: ToyModel['params'] = [];
  const add = (name: string, shape: number[], kind: 'ones' | 'zeros' | 'normal', std = 0.02) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const init = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (kind === 'ones') init[i] = 1;
      else if (kind === 'normal') init[i] = std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    }
    params.push({ name, shape, init });
  };
  const kvDim = (c.dim / c.heads) * (c.kvHeads ?? c.heads);
  const std = 1 / Math.sqrt(c.dim);
  add('embed', [c.vocab, c.dim], 'normal', 0.5);
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    add(`${p}norm1`, [c.dim], 'ones');
    add(`${p}wq`, [c.dim, c.dim], 'normal', std);
    add(`${p}wk`, [c.dim, kvDim], 'normal', std);
    add(`${p}wv`, [c.dim, kvDim], 'normal', std);
    add(`${p}wo`, [c.dim, c.dim], 'normal', std / Math.sqrt(2 * c.layers));
    add(`${p}norm2`, [c.dim], 'ones');
    add(`${p}w1`, [c.dim, c.mlp], 'normal', std);
    add(`${p}w2`, [c.mlp, c.dim], 'normal', 1 / Math.sqrt(c.mlp) / Math.sqrt(2 * c.layers));
    if (c.norm !== 'rms') {
      add(`${p}norm1_bias`, [c.dim], 'zeros');
      add(`${p}norm2_bias`, [c.dim], 'zeros');
      add(`${p}b1`, [c.mlp], 'zeros');
    }
  }
  add('norm_f', [c.dim], 'ones');
  if (c.norm !== 'rms') add('norm_f_bias', [c.dim], 'zeros');
  add('head', [c.dim, c.vocab], 'normal', std);
  return params;
}

/** The forward pass to the mean cross-entropy, with weights looked up by name. */
export function toyLoss(g: GraphBuilder, c: ToyConfig, w: (name: string) => Tensor, ids: Tensor, targets: Tensor): Tensor {
  const dtype = c.dtype ?? 'float32';
  let x = g.gather(w('embed'), ids);
  const rope = c.rope ? rotaryTables(g, c.seq, c.dim / c.heads, dtype) : undefined;
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    const bw: BlockWeights = {
      norm1: w(`${p}norm1`), wq: w(`${p}wq`), wk: w(`${p}wk`), wv: w(`${p}wv`), wo: w(`${p}wo`),
      norm2: w(`${p}norm2`), w1: w(`${p}w1`), w2: w(`${p}w2`),
    };
    if (c.norm !== 'rms') {
      bw.norm1Bias = w(`${p}norm1_bias`);
      bw.norm2Bias = w(`${p}norm2_bias`);
      bw.b1 = w(`${p}b1`);
    }
    x = transformerBlock(g, x, bw, { heads: c.heads, kvHeads: c.kvHeads ?? c.heads, causal: true, norm: c.norm ?? 'layer', act: c.act ?? 'gelu_tanh', ...(rope ? { rope } : {}) });
  }
  x = c.norm === 'rms' ? rmsNorm(g, x, w('norm_f')) : layerNorm(g, x, w('norm_f'), w('norm_f_bias'));
  return crossEntropy(g, linear(g, x, w('head')), targets);
}

/** Builds the graph: inputs `ids` and `targets` `[batch, seq]` int64 plus the weights; outputs `loss` and `grad.<w>`. */
export function buildToyTransformer(c: ToyConfig, seed = 7): ToyModel {
  const dtype = c.dtype ?? 'float32';
  const g = new GraphBuilder({ name: 'toy-transformer' });
  const params = toyParams(c, seed);
  const ids = g.input('ids', 'int64', ['batch', c.seq]);
  const targets = g.input('targets', 'int64', ['batch', c.seq]);
  const tensors = new Map(params.map((p) => [p.name, g.input(p.name, dtype, p.shape as Shape)]));
  const loss = toyLoss(g, c, (n) => tensors.get(n)!, ids, targets);
  g.output('loss', loss);
  if (c.withGrad !== false) {
    const grads = grad(g, loss, [...tensors.values()]);
    grads.forEach((d, i) => g.output(`grad.${params[i]!.name}`, d));
  }
  return { g, params };
}

/** Matmul FLOPs of one forward pass (2 per multiply-add; full, unmasked attention matrices). */
export function toyForwardFlops(c: ToyConfig, batch: number): number {
  const tok = batch * c.seq;
  const kvDim = (c.dim / c.heads) * (c.kvHeads ?? c.heads);
  const perLayer = 2 * tok * (c.dim * c.dim * 2 + c.dim * kvDim * 2 + c.dim * c.mlp * 2) + 2 * 2 * batch * c.seq * c.seq * c.dim;
  return c.layers * perLayer + 2 * tok * c.dim * c.vocab;
}
