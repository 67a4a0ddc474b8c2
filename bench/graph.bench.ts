/**
 * Model FLOPs utilisation of a forward + backward step of a 4-layer transformer (d 256, 8 heads,
 * MLP 1024, batch 8 x 256 tokens, vocab 512) emitted by the graph builder + autodiff, against the
 * peak MatMul rate ONNX Runtime reaches on this machine (2048x1024x1024, measured in the same
 * run). FLOPs: 3x the forward matmul FLOPs (fwd + 2x bwd), full attention matrices counted.
 *
 *   npm run bench -- graph [--rounds 3]
 *
 * Step and peak are measured in alternation over windows of equal length and the median ratio
 * is reported, so that both figures see the same (possibly shared) machine.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/policy/graph/builder.js';
import { type ToyConfig, buildToyTransformer, toyForwardFlops } from '../src/policy/graph/toy.js';
import { sessionOptions } from '../src/policy/runner.js';

const argRounds = process.argv.indexOf('--rounds');
const rounds = argRounds > 0 ? Math.max(1, Number(process.argv[argRounds + 1]) || 3) : 3;
const threads = availableParallelism();
const opts = sessionOptions({ intraOpThreads: threads });

const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);

/** Peak MatMul: 2048x1024x1024 float32. */
async function peakSession() {
  const [M, K, N] = [2048, 1024, 1024];
  const g = new GraphBuilder();
  g.output('c', g.matmul(g.input('a', 'float32', [M, K]), g.input('b', 'float32', [K, N])));
  const s = await ort.InferenceSession.create(g.toBytes(), opts);
  const feeds = { a: new ort.Tensor('float32', rnd(M * K), [M, K]), b: new ort.Tensor('float32', rnd(K * N), [K, N]) };
  return { s, feeds, flops: 2 * M * K * N };
}

/** Forward + backward of the 4-layer transformer (all weight gradients fetched). */
async function stepSession() {
  const c: ToyConfig = { vocab: 512, dim: 256, heads: 8, mlp: 1024, layers: 4, seq: 256 };
  const B = 8;
  const { g, params } = buildToyTransformer(c);
  const feeds: Record<string, ort.Tensor> = {};
  for (const p of params) feeds[p.name] = new ort.Tensor('float32', Float32Array.from(p.init), p.shape);
  const ids = BigInt64Array.from({ length: B * c.seq }, (_, i) => BigInt((i * 7919) % c.vocab));
  feeds.ids = new ort.Tensor('int64', ids, [B, c.seq]);
  feeds.targets = new ort.Tensor('int64', ids.map((v) => (v + 1n) % BigInt(c.vocab)), [B, c.seq]);
  const s = await ort.InferenceSession.create(g.toBytes(), opts);
  return { s, feeds, flops: 3 * toyForwardFlops(c, B), nodes: g.nodes.length };
}

// The machine may be shared: measure the two in alternation, over windows of the same length
// (one step, then MatMuls for as long as the step took), and report the median ratio.
const peak = await peakSession();
const step = await stepSession();
await peak.s.run(peak.feeds);
await step.s.run(step.feeds);
const ratios: number[] = [];
let peakRate = 0;
let stepRate = 0;
for (let round = 0; round < rounds; round++) {
  let t0 = performance.now();
  await step.s.run(step.feeds);
  const stepT = (performance.now() - t0) / 1000;
  let n = 0;
  t0 = performance.now();
  do {
    await peak.s.run(peak.feeds);
    n++;
  } while ((performance.now() - t0) / 1000 < stepT);
  const peakT = (performance.now() - t0) / 1000;
  const sr = step.flops / stepT;
  const pr = (n * peak.flops) / peakT;
  ratios.push(sr / pr);
  console.log(`round ${round + 1}: step ${(stepT * 1000).toFixed(0)} ms = ${(sr / 1e9).toFixed(1)} GFLOP/s; MatMul ${n} runs = ${(pr / 1e9).toFixed(1)} GFLOP/s; ratio ${(sr / pr).toFixed(3)}`);
  peakRate = Math.max(peakRate, pr);
  stepRate = Math.max(stepRate, sr);
}
ratios.sort((a, b) => a - b);
const mfu = ratios[Math.floor(ratios.length / 2)]!;
await peak.s.release();
await step.s.release();
console.log(`threads (intra-op)          ${threads}`);
console.log(`train step                  ${(step.flops / 1e9).toFixed(2)} GFLOP (3 x forward matmul FLOPs), ${step.nodes} builder nodes`);
console.log(`best rates                  step ${(stepRate / 1e9).toFixed(1)} GFLOP/s, MatMul 2048x1024x1024 ${(peakRate / 1e9).toFixed(1)} GFLOP/s`);
console.log(`RESULT mfu ${mfu.toFixed(3)}`);
