/**
 * A small graph-level pass run before serialisation: common-subexpression elimination (the same
 * op on the same inputs with the same attributes is computed once) and dead-node elimination
 * (nodes and constants that no output depends on are dropped). ONNX Runtime then does constant
 * folding and its own fusions at `graphOptimizationLevel: 'all'`.
 */
import type { InitRec, NodeRec, ValueRec } from './core.js';

/** The pruned node and initializer lists (the builder's own state is not changed). */
export interface Optimized {
  nodes: NodeRec[];
  inits: InitRec[];
}

/** Runs CSE then DCE over a topologically ordered node list. */
export function optimizeGraph(nodes: readonly NodeRec[], inits: Iterable<InitRec>, inputs: readonly ValueRec[], outputs: readonly ValueRec[]): Optimized {
  // CSE: rename duplicate outputs to the first occurrence.
  const alias = new Map<string, string>();
  const seen = new Map<string, NodeRec>();
  const outputNames = new Set(outputs.map((o) => o.name));
  const cse: NodeRec[] = [];
  for (const n of nodes) {
    const inputsR = n.inputs.map((i) => alias.get(i) ?? i);
    const rec: NodeRec = inputsR.some((x, k) => x !== n.inputs[k]) ? { ...n, inputs: inputsR } : n;
    const key = `${rec.opType}|${rec.inputs.join(',')}|${JSON.stringify(rec.attrs)}|${rec.outputs.length}|${rec.noGrad ? 1 : 0}`;
    const prev = seen.get(key);
    if (prev && !rec.outputs.some((o) => outputNames.has(o))) {
      rec.outputs.forEach((o, k) => alias.set(o, prev.outputs[k]!));
      continue;
    }
    if (!prev) seen.set(key, rec);
    cse.push(rec);
  }
  // DCE: walk back from the outputs.
  const needed = new Set<string>(outputs.map((o) => o.name));
  const kept: NodeRec[] = [];
  for (let i = cse.length - 1; i >= 0; i--) {
    const n = cse[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  kept.reverse();
  const inputNames = new Set(inputs.map((i) => i.name));
  const keptInits = [...inits].filter((r) => needed.has(r.name) && !inputNames.has(r.name));
  return { nodes: kept, inits: keptInits };
}
