/**
 * Geometry benchmark: IoU on parsed boxes, pairs per second on one core (target ≥ 5 million/s),
 * beside baselines measured in the same run:
 *  - the same IoU as a plain Python loop (python3, if installed) over the same boxes;
 *  - a naive JavaScript IoU that allocates objects per call.
 * Also reports the yaw-rotated 3D IoU and the Hungarian matching for information.
 *
 *   npm run bench -- geometry            (about 15 s)
 *
 * Ends with `RESULT iou_pairs_per_s <n>`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BBox } from '../data/schema.js';
import { hungarian, iou, iou3d, iouVlmR1 } from '../rewards/geometry/math.js';
import { parseBoxes } from '../rewards/parse/index.js';

const PAIRS = 100_000;
let seed = 20250101;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const int = (n: number) => Math.floor(rnd() * n);

// Completions as a Qwen2.5-VL model writes them; the boxes are parsed once, then scored.
const completions: string[] = [];
const gts: BBox[] = [];
for (let i = 0; i < PAIRS; i++) {
  const x = int(1000), y = int(800), w = 1 + int(300), h = 1 + int(300);
  const dx = int(60) - 30, dy = int(60) - 30;
  completions.push(`<think>the object is near the centre</think><answer>{"bbox_2d": [${x + dx}, ${y + dy}, ${x + w + dx}, ${y + h}], "label": "cat"}</answer>`);
  gts.push([x, y, x + w, y + h]);
}
const t0 = performance.now();
const preds: BBox[] = completions.map((c) => {
  const r = parseBoxes(c);
  return r.ok && r.value[0] ? r.value[0].bbox : [0, 0, 0, 0];
});
const parseMs = performance.now() - t0;

/** Runs `fn` over all pairs repeatedly for at least `ms`; returns pairs per second and a checksum. */
function measure(fn: (a: BBox, b: BBox) => number, ms = 1500): { rate: number; sum: number } {
  let sum = 0;
  for (let i = 0; i < PAIRS; i++) sum += fn(preds[i]!, gts[i]!); // warm-up
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < PAIRS; i++) sum += fn(preds[i]!, gts[i]!);
    n += PAIRS;
    now = performance.now();
  }
  return { rate: n / ((now - start) / 1000), sum };
}

/** What a first implementation often looks like: objects per box and per intersection. */
function naiveIoU(a: BBox, b: BBox): number {
  const A = { x1: a[0], y1: a[1], x2: a[2], y2: a[3] };
  const B = { x1: b[0], y1: b[1], x2: b[2], y2: b[3] };
  const I = { x1: Math.max(A.x1, B.x1), y1: Math.max(A.y1, B.y1), x2: Math.min(A.x2, B.x2), y2: Math.min(A.y2, B.y2) };
  const area = (r: { x1: number; y1: number; x2: number; y2: number }) => Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
  const inter = area(I);
  const union = area(A) + area(B) - inter;
  return union > 0 ? inter / union : 0;
}

const PY = String.raw`
import json, sys, time
def iou(a, b):
    ix1 = max(a[0], b[0]); iy1 = max(a[1], b[1]); ix2 = min(a[2], b[2]); iy2 = min(a[3], b[3])
    if ix2 <= ix1 or iy2 <= iy1:
        return 0.0
    inter = (ix2 - ix1) * (iy2 - iy1)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
d = json.load(open(sys.argv[1]))
P, G = d["p"], d["g"]
n = 0; s = 0.0; t = time.perf_counter()
while time.perf_counter() - t < 1.5:
    for a, b in zip(P, G):
        s += iou(a, b)
    n += len(P)
print(n / (time.perf_counter() - t), s)
`;

function pythonRate(): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-'));
  try {
    const data = join(dir, 'boxes.json');
    writeFileSync(data, JSON.stringify({ p: preds, g: gts }));
    const r = spawnSync('python3', ['-c', PY, data], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) return undefined;
    const v = Number(r.stdout.trim().split(/\s+/)[0]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(1));

console.log(`geometry bench: ${PAIRS} parsed pairs (parse of ${PAIRS} completions: ${parseMs.toFixed(0)} ms, ${fmt(PAIRS / (parseMs / 1000))}/s)`);
const ours = measure(iou);
const vlm = measure(iouVlmR1);
const naive = measure(naiveIoU);
const py = pythonRate();
console.log(`iou (glimpse)        ${fmt(ours.rate)} pairs/s`);
console.log(`iouVlmR1 (glimpse)   ${fmt(vlm.rate)} pairs/s`);
console.log(`naive JS (objects)   ${fmt(naive.rate)} pairs/s   ratio ${(ours.rate / naive.rate).toFixed(2)}x`);
if (py !== undefined) console.log(`python3 plain loop   ${fmt(py)} pairs/s   ratio ${(ours.rate / py).toFixed(1)}x`);
else console.log('python3 plain loop   (python3 not available: baseline skipped)');

// 3D IoU with yaw (polygon clipping path) and Hungarian matching, for information.
const b3 = Array.from({ length: 10_000 }, () => ({ center: [rnd() * 10, rnd() * 10, rnd()] as [number, number, number], size: [0.5 + rnd() * 3, 0.5 + rnd() * 3, 0.5 + rnd()] as [number, number, number], yaw: rnd() * 6.28 }));
let s3 = 0, n3 = 0;
const t3 = performance.now();
while (performance.now() - t3 < 1000) {
  for (let i = 0; i + 1 < b3.length; i++) s3 += iou3d(b3[i]!, b3[i + 1]!);
  n3 += b3.length - 1;
}
console.log(`iou3d (rotated)      ${fmt(n3 / ((performance.now() - t3) / 1000))} pairs/s`);
const cost = Array.from({ length: 50 }, () => Array.from({ length: 50 }, () => rnd()));
let nh = 0;
const th = performance.now();
while (performance.now() - th < 1000) {
  hungarian(cost);
  nh++;
}
console.log(`hungarian 50x50      ${fmt(nh / ((performance.now() - th) / 1000))} solves/s   (checksums ${ours.sum.toFixed(1)} ${s3.toFixed(1)})`);
if (py !== undefined) console.log(`RESULT iou_vs_python_ratio ${(ours.rate / py).toFixed(1)}`);
console.log(`RESULT iou_pairs_per_s ${Math.round(ours.rate)}`);
