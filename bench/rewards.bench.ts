/**
 * Reward benchmark: parse + score of typical completions (≈ 300 characters: a <think> and a
 * Qwen2.5-VL JSON answer) with VLM-R1's REC rewards (format regex + inclusive-pixel IoU after
 * rescaling to the original image), completions per second on one core (target ≥ 200 000),
 * beside a straightforward Python implementation of the same reward (bench/baselines/
 * vlm_r1_reward.py) on the same completions in the same run. The totals of both are compared,
 * so the speed is for the same answers. Also reports glimpse's default grounding pipeline.
 * Rates are per CPU-second of the process (and, for information, per wall-second).
 *
 *   npm run bench -- rewards            (about 15 s)
 *
 * Ends with `RESULT rewards_completions_per_s <n>` and `RESULT rewards_vs_python <ratio>`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BBox } from '../data/schema.js';
import { createCoordinateMap } from '../modalities/coords.js';
import { compilePipeline } from '../rewards/index.js';
import type { RewardInput } from '../rewards/types.js';

const N = 4096;
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;

const THOUGHTS = [
  'The question asks for the person in the red jacket.',
  'I look at the left half of the image first, where two people stand near a bench.',
  'The one on the right wears a red jacket and holds a cup.',
  'Its top edge is near the window frame and it ends at the bottom of the bench.',
  'So the box covers the upper body and the legs.',
];
const LABELS = ['person in red jacket', 'the man', 'small dog', 'white cup', 'left chair'];

interface Rec {
  completion: string;
  gt: BBox;
  image_size: [number, number];
  input_size: [number, number];
}

const records: Rec[] = [];
for (let i = 0; i < N; i++) {
  const W = 640 + int(1400);
  const H = 480 + int(1000);
  const w = 28 * Math.max(4, Math.round((W * 0.5) / 28));
  const h = 28 * Math.max(4, Math.round((H * 0.5) / 28));
  const x1 = int(W - 100), y1 = int(H - 100);
  const gt: BBox = [x1, y1, x1 + 20 + int(W - x1 - 20), y1 + 20 + int(H - y1 - 20)];
  const sx = w / W, sy = h / H;
  const jitter = () => int(21) - 10;
  const pred = [Math.max(0, Math.round(gt[0] * sx) + jitter()), Math.max(0, Math.round(gt[1] * sy) + jitter()), Math.round(gt[2] * sx) + jitter(), Math.round(gt[3] * sy) + jitter()];
  let think = '';
  while (think.length < 170) think += pick(THOUGHTS) + ' ';
  let answer = `{"bbox_2d": [${pred.join(', ')}], "label": "${pick(LABELS)}"}`;
  const kind = rnd();
  let completion = `<think>${think.trim()}</think>\n<answer>${answer}</answer>`;
  if (kind < 0.04) completion = `<answer>${answer}</answer>`; // no think
  else if (kind < 0.07) completion = completion.replace(/\[(\d+)/, '[$1.5'); // float box
  else if (kind < 0.1) completion = completion.slice(0, completion.length - 30); // truncated
  else if (kind < 0.12) {
    answer = `[${pred.join(',')}]`; // bare list, no braces
    completion = `<think>${think.trim()}</think><answer>${answer}</answer>`;
  }
  records.push({ completion, gt, image_size: [W, H], input_size: [w, h] });
}
const meanLen = records.reduce((s, r) => s + r.completion.length, 0) / N;

const inputs: RewardInput[] = records.map((r) => ({
  completion: r.completion,
  sample: { id: 'b', prompt: '', media: [], answer: { bbox: r.gt } },
  coords: createCoordinateMap({ original: r.image_size, input: r.input_size, space: 'pixel' }),
}));

/**
 * Completions per second of CPU time (process.cpuUsage: user + system, all threads) and of wall
 * time; best of 3 rounds. CPU time is the headline: on a shared, loaded machine wall time mostly
 * measures the other processes.
 */
function measure(label: string, spec: unknown, seconds = 2): { perS: number; wallPerS: number; checksum: number } {
  const p = compilePipeline(spec, { name: label });
  let checksum = 0;
  for (const inp of inputs) checksum += p.scoreSync(inp).reward;
  let best = 0;
  let bestWall = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    let sink = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    while (performance.now() - t0 < (seconds * 1000) / 3) {
      for (const inp of inputs) sink += p.scoreSync(inp).reward;
      n += inputs.length;
    }
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    if (sink === -1) console.log('');
    best = Math.max(best, n / ((c.user + c.system) / 1e6));
    bestWall = Math.max(bestWall, n / wall);
  }
  console.log(`${label.padEnd(44)} ${fmt(best)} completions/CPU-s  (${fmt(bestWall)} /wall-s)   total ${checksum.toFixed(4)}`);
  return { perS: best, wallPerS: bestWall, checksum };
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US').padStart(10);
}

console.log(`rewards bench: ${N} completions, mean ${meanLen.toFixed(0)} characters, one core (node ${process.version})`);
const vlm = measure('glimpse, VLM-R1 REC (format + iou, vlm-r1)', {
  rewards: [
    { name: 'format.think_answer', params: { variant: 'vlm-r1' } },
    { name: 'geometry.iou', params: { variant: 'vlm-r1' } },
  ],
});
measure('glimpse, default (strict format gate + iou)', {
  rewards: [{ name: 'format.think_answer' }, { name: 'geometry.iou' }],
  gate: 'format.think_answer',
});

let python: { completions_per_s: number; completions_per_wall_s: number; checksum: number } | undefined;
const dir = mkdtempSync(join(tmpdir(), 'glimpse-bench-rewards-'));
try {
  const file = join(dir, 'records.json');
  writeFileSync(file, JSON.stringify(records));
  const script = new URL('./baselines/vlm_r1_reward.py', import.meta.url).pathname;
  const r = spawnSync('python3', [script, file, '3'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) python = JSON.parse(r.stdout.trim().split('\n').pop()!);
  else console.log(`python3 baseline unavailable: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
// again after Python, so that a burst of load on the (shared) machine does not decide the ratio alone
const vlmSpec = { rewards: [{ name: 'format.think_answer', params: { variant: 'vlm-r1' } }, { name: 'geometry.iou', params: { variant: 'vlm-r1' } }] };
const vlm2 = measure('glimpse, VLM-R1 REC (again, after python)', vlmSpec);
if (vlm2.perS > vlm.perS) vlm.perS = vlm2.perS;
if (vlm2.wallPerS > vlm.wallPerS) vlm.wallPerS = vlm2.wallPerS;
if (python) {
  console.log(`${'python, VLM-R1 REC (re + loop)'.padEnd(44)} ${fmt(python.completions_per_s)} completions/CPU-s  (${fmt(python.completions_per_wall_s)} /wall-s)   total ${python.checksum.toFixed(4)}`);
  const agree = Math.abs(python.checksum - vlm.checksum) < 1e-6 * N;
  console.log(`totals ${agree ? 'agree' : 'DIFFER'} (glimpse ${vlm.checksum.toFixed(6)} vs python ${python.checksum.toFixed(6)})`);
  console.log(`ratio glimpse / python: ${(vlm.perS / python.completions_per_s).toFixed(2)}x per CPU-second (${(vlm.wallPerS / python.completions_per_wall_s).toFixed(2)}x per wall-second)`);
}
console.log(`RESULT rewards_completions_per_s ${Math.round(vlm.perS)}`);
if (python) console.log(`RESULT rewards_vs_python ${(vlm.perS / python.completions_per_s).toFixed(2)}`);
