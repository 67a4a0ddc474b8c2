/**
 * Reverse-mode automatic differentiation over a built graph. `grad(g, loss, wrt)` appends the
 * backward graph to `g` (nodes emitted by each op's registered rule, in reverse topological
 * order) and returns one gradient tensor per `wrt` tensor, shaped like it.
 *
 * - Gradients accumulate (one Sum) where a value fans out to several consumers.
 * - No gradient flows into integer/bool tensors or through `g.stopGradient(x)`.
 * - A `wrt` tensor the loss does not depend on gets zeros.
 */
import { GlimpseError } from '../../util/errors.js';
import type { GraphBuilder } from './builder.js';
import { type CustomGradRule, gradientRule } from './registry.js';
import { type Tensor, fmtShape, isFloat } from './tensor.js';
import { zerosLike } from './ops/grad-util.js';

export interface GradOptions {
  /**
   * The gradient of the final objective w.r.t. `loss` (a vector-Jacobian product); default ones,
   * in which case `loss` must have one element.
   */
  seed?: Tensor;
}

/**
 * Appends d`loss`/d`wrt` to the graph.
 * @param loss a scalar (or one-element) float tensor, unless `options.seed` is given
 * @param wrt float tensors (inputs, initializers or intermediate values)
 * @returns gradients in the order of `wrt`, each with the dtype and shape of its tensor
 */
export function grad(g: GraphBuilder, loss: Tensor, wrt: readonly Tensor[], options: GradOptions = {}): Tensor[] {
  g.own(loss, 'grad');
  if (!isFloat(loss.dtype)) throw new GlimpseError('bad_argument', `grad: loss '${loss.name}' is ${loss.dtype}; it must be a float tensor`);
  for (const w of wrt) {
    g.own(w, 'grad');
    if (!isFloat(w.dtype)) throw new GlimpseError('bad_argument', `grad: cannot differentiate with respect to '${w.name}' (${w.dtype}); only float tensors carry gradients`);
  }
  let seed = options.seed;
  if (seed) {
    g.own(seed, 'grad');
    if (seed.dtype !== loss.dtype) throw new GlimpseError('bad_argument', `grad: seed dtype ${seed.dtype} differs from loss dtype ${loss.dtype}`);
  } else {
    const n = loss.size;
    if (n !== 1) throw new GlimpseError('bad_argument', `grad: loss '${loss.name}' has shape ${fmtShape(loss.shape)}; reduce it to one element or pass a seed`);
    seed = g.constant([1], loss.dtype, loss.shape.map(() => 1));
  }

  const nodes = g.nodes.slice();
  // Forward: which values depend on a wrt tensor.
  const active = new Set(wrt.map((w) => w.name));
  const gradInputs = (n: (typeof nodes)[number]) => n.custom?.inputs ?? n.inputs;
  for (const n of nodes) {
    if (n.noGrad) continue;
    if (gradInputs(n).some((i) => active.has(i))) for (const o of n.outputs) if (isFloat(g.tensor(o).dtype)) active.add(o);
  }
  // Backward: which values the loss depends on.
  const useful = new Set([loss.name]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => useful.has(o))) for (const x of [...n.inputs, ...(n.custom?.inputs ?? [])]) if (x) useful.add(x);
  }

  const parts = new Map<string, Tensor[]>();
  const totals = new Map<string, Tensor>();
  const total = (name: string): Tensor | undefined => {
    const hit = totals.get(name);
    if (hit) return hit;
    const p = parts.get(name);
    if (!p || p.length === 0) return undefined;
    const t = p.length === 1 ? p[0]! : g.sum(p);
    totals.set(name, t);
    return t;
  };
  parts.set(loss.name, [seed]);

  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.noGrad || !n.outputs.some((o) => active.has(o) && useful.has(o))) continue;
    const dy = n.outputs.map((o) => total(o));
    if (dy.every((d) => d === undefined)) continue;
    const x = gradInputs(n).map((name) => (name ? g.tensor(name) : undefined));
    const needs = x.map((t) => t !== undefined && active.has(t.name) && useful.has(t.name) && isFloat(t.dtype));
    if (!needs.some(Boolean)) continue;
    const dx = n.custom
      ? (n.custom.rule as CustomGradRule)({ g, x: x as Tensor[], y: g.tensor(n.outputs[0]!), saved: n.custom.saved.map((s) => g.tensor(s)), dy: dy[0]!, needs })
      : gradientRule(n.opType)({ g, node: n, x, y: n.outputs.map((o) => g.tensor(o)), dy, needs, attrs: n.attrs });
    x.forEach((t, k) => {
      const d = dx[k];
      if (!t || !needs[k] || !d) return;
      if (d.dtype !== t.dtype || d.rank !== t.rank) {
        throw new GlimpseError('internal', `grad: the ${n.opType} rule returned ${d.dtype}${fmtShape(d.shape)} for input '${t.name}' ${t.dtype}${fmtShape(t.shape)}`);
      }
      const list = parts.get(t.name) ?? [];
      list.push(d);
      parts.set(t.name, list);
    });
  }
  return wrt.map((w) => total(w.name) ?? zerosLike(g, w));
}
