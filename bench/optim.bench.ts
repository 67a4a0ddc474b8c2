/**
 * Optimiser and weights benchmark, on glimpse-tiny's parameter count (≈4.35 M float32):
 *  - AdamW step throughput (parameters per second) beside, in the same run, a straightforward
 *    JavaScript AdamW (plain arrays, per-step Math.pow, moments recomputed through objects) and,
 *    when `/usr/bin/python3` has torch, `torch.optim.AdamW` (foreach and single-tensor) on one thread;
 *  - global-norm clipping throughput;
 *  - safetensors write and read throughput beside a raw `fs` write/read of the same bytes.
 *
 *   npm run bench -- optim            (about 20 s)
 *
 * Ends with `RESULT adamw_params_per_s <n>`, `RESULT adamw_vs_naive <ratio>`, `RESULT adamw_vs_torch
 * <ratio>` (torch's faster variant time / glimpse time, when torch ran) and
 * `RESULT safetensors_read_vs_raw <ratio>`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, clipGradNorm } from '../src/policy/optim/index.js';
import { countParameters, glimpseTinyConfig } from '../src/policy/model/config.js';
import { readSafetensors, writeSafetensors, type Tensor } from '../src/policy/weights/index.js';

const N = countParameters(glimpseTinyConfig()).total;
const SHAPES = [1024 * 256, ...Array.from({ length: 16 }, () => Math.floor((N - 1024 * 256) / 16))];
const params = new Map(SHAPES.map((n, i) => [`p${i}`, Float32Array.from({ length: n }, (_, k) => Math.sin(k + i))]));
const grads = new Map(SHAPES.map((n, i) => [`p${i}`, Float32Array.from({ length: n }, (_, k) => Math.cos(k * 0.3 + i) * 1e-2)]));
const total = SHAPES.reduce((a, b) => a + b, 0);

function timeIt(fn: () => void, minMs = 2000): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

// glimpse AdamW
const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0.01 });
const msOurs = timeIt(() => opt.update(grads, 1e-3));

// straightforward JS AdamW: number[] state, Math.pow per element
const naive = [...params.entries()].map(([k, p]) => ({ k, p: Array.from(p), m: new Array<number>(p.length).fill(0), v: new Array<number>(p.length).fill(0) }));
let tNaive = 0;
const msNaive = timeIt(() => {
  tNaive++;
  for (const s of naive) {
    const g = grads.get(s.k)!;
    for (let i = 0; i < s.p.length; i++) {
      s.p[i] = s.p[i]! - 1e-3 * 0.01 * s.p[i]!;
      s.m[i] = 0.9 * s.m[i]! + 0.1 * g[i]!;
      s.v[i] = 0.999 * s.v[i]! + 0.001 * g[i]! * g[i]!;
      const mh = s.m[i]! / (1 - Math.pow(0.9, tNaive));
      const vh = s.v[i]! / (1 - Math.pow(0.999, tNaive));
      s.p[i] = s.p[i]! - (1e-3 * mh) / (Math.sqrt(vh) + 1e-8);
    }
  }
}, 1500);

const msClip = timeIt(() => clipGradNorm(grads, 1e9), 1000);

// torch, if present
let torchMs: { foreach: number; single: number } | null = null;
const py = '/usr/bin/python3';
if (existsSync(py)) {
  const script = `
import time, torch
torch.set_num_threads(1)
sizes = ${JSON.stringify(SHAPES)}
out = {}
for foreach in (True, False):
    ps = [torch.nn.Parameter(torch.randn(n)) for n in sizes]
    for p in ps: p.grad = torch.randn_like(p) * 1e-2
    opt = torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.01, foreach=foreach)
    opt.step()
    n = 0; t0 = time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        opt.step(); n += 1
    out['foreach' if foreach else 'single'] = (time.perf_counter() - t0) / n * 1000
print(out['foreach'], out['single'])
`;
  const r = spawnSync(py, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  const nums = r.status === 0 ? r.stdout.trim().split(/\s+/).map(Number) : [];
  if (nums.length === 2 && nums.every(Number.isFinite)) torchMs = { foreach: nums[0]!, single: nums[1]! };
  else console.log(`torch baseline skipped (${(r.stderr || r.error?.message || 'no output').split('\n').slice(-2).join(' ').trim()})`);
}

// safetensors vs raw fs
const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-st-'));
const tensors = new Map<string, Tensor>([...params.entries()].map(([k, p]) => [k, { dtype: 'F32', shape: [p.length], data: p }]));
const path = join(dir, 'model.safetensors');
const raw = join(dir, 'raw.bin');
const bytes = total * 4;
let writeMs = 0;
let readMs = 0;
let rawWriteMs = 0;
let rawReadMs = 0;
{
  const blob = new Uint8Array(bytes);
  const reps = 5;
  for (let i = 0; i < reps; i++) {
    let t = performance.now();
    await writeSafetensors(path, tensors);
    writeMs += performance.now() - t;
    t = performance.now();
    readSafetensors(path);
    readMs += performance.now() - t;
    t = performance.now();
    writeFileSync(raw, blob);
    rawWriteMs += performance.now() - t;
    t = performance.now();
    readFileSync(raw);
    rawReadMs += performance.now() - t;
  }
  writeMs /= reps;
  readMs /= reps;
  rawWriteMs /= reps;
  rawReadMs /= reps;
}
rmSync(dir, { recursive: true, force: true });

const rate = (ms: number) => total / (ms / 1000);
const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
console.log(`parameters: ${total.toLocaleString()} float32 in ${SHAPES.length} tensors (glimpse-tiny size)`);
console.log(`AdamW step        glimpse ${msOurs.toFixed(2)} ms  (${(rate(msOurs) / 1e6).toFixed(1)} M params/s)`);
console.log(`                  naive JS ${msNaive.toFixed(2)} ms  -> glimpse is ${(msNaive / msOurs).toFixed(2)}x faster`);
const torchBest = torchMs ? Math.min(torchMs.foreach, torchMs.single) : NaN;
if (torchMs) console.log(`                  torch 1 thread: foreach ${torchMs.foreach.toFixed(2)} ms, single-tensor ${torchMs.single.toFixed(2)} ms -> torch best / glimpse = ${(torchBest / msOurs).toFixed(2)} (above 1: glimpse faster)`);
console.log(`clip_grad_norm    ${msClip.toFixed(2)} ms  (${(rate(msClip) / 1e6).toFixed(1)} M values/s)`);
console.log(`safetensors write ${writeMs.toFixed(1)} ms (${mbps(writeMs).toFixed(0)} MB/s, atomic + fsync)  raw fs write ${rawWriteMs.toFixed(1)} ms (${mbps(rawWriteMs).toFixed(0)} MB/s)`);
console.log(`safetensors read  ${readMs.toFixed(1)} ms (${mbps(readMs).toFixed(0)} MB/s)  raw fs read ${rawReadMs.toFixed(1)} ms (${mbps(rawReadMs).toFixed(0)} MB/s)`);
console.log(`RESULT adamw_params_per_s ${Math.round(rate(msOurs))}`);
console.log(`RESULT adamw_vs_naive ${(msNaive / msOurs).toFixed(2)}`);
if (torchMs) console.log(`RESULT adamw_vs_torch ${(torchBest / msOurs).toFixed(2)}`);
console.log(`RESULT safetensors_read_vs_raw ${(rawReadMs / readMs).toFixed(2)}`);
