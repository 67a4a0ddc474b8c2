/**
 * 3D scene benchmark: 200 000 points (the synthetic room, with colours and 3 labelled boxes),
 * 6 orbit views at 448×448 — z-buffered splats, box wireframes, 2D box projections and the view
 * ranking — in this one thread (one core). Target: under 1 s. The median of 5 runs after a
 * warm-up is reported; beside it, as a baseline measured in the same run, the time of the bare
 * projection of the same points (the floor any renderer pays), to show the overhead.
 *
 *   npm run bench -- scene3d            (a few seconds)
 *
 * Ends with `RESULT scene3d_6views_s <seconds>`.
 */
import { orbitCameras, sceneBounds } from '../modalities/scene3d/camera.js';
import { renderScene } from '../modalities/scene3d/scene.js';
import { syntheticRoom } from '../modalities/scene3d/synthetic.js';

const POINTS = 200_000;
const VIEWS = 6;
const SIZE = 448;
const RUNS = 5;

const scene = syntheticRoom(POINTS);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

renderScene(scene, { views: VIEWS, width: SIZE, height: SIZE }); // warm-up (JIT)
const times: number[] = [];
for (let k = 0; k < RUNS; k++) {
  const t0 = performance.now();
  const r = renderScene(scene, { views: VIEWS, width: SIZE, height: SIZE });
  times.push((performance.now() - t0) / 1000);
  if (r.views.length !== VIEWS) throw new Error('wrong number of views');
}

// baseline: project every point into every view, nothing else
const cams = orbitCameras(sceneBounds(scene.cloud.positions, scene.boxes), VIEWS, { width: SIZE, height: SIZE });
const pos = scene.cloud.positions;
const base: number[] = [];
let sink = 0;
for (let k = 0; k < RUNS; k++) {
  const t0 = performance.now();
  for (const c of cams) {
    const [r0, r1, r2] = c.R;
    for (let i = 0; i < pos.length; i += 3) {
      const x = pos[i]!;
      const y = pos[i + 1]!;
      const z = pos[i + 2]!;
      const zc = r2[0] * x + r2[1] * y + r2[2] * z + c.t[2];
      sink += (r0[0] * x + r0[1] * y + r0[2] * z + c.t[0]) / zc + (r1[0] * x + r1[1] * y + r1[2] * z + c.t[1]) / zc;
    }
  }
  base.push((performance.now() - t0) / 1000);
}
const s = median(times);
const b = median(base);
console.log(`scene3d: ${POINTS} points, ${VIEWS} views at ${SIZE}x${SIZE}, one thread`);
console.log(`render    : median ${s.toFixed(3)} s over ${RUNS} runs (${times.map((t) => t.toFixed(3)).join(', ')}); target < 1 s`);
console.log(`baseline  : bare projection ${b.toFixed(3)} s (render / projection = ${(s / b).toFixed(1)}x)${sink === 42 ? '' : ''}`);
console.log(`RESULT scene3d_6views_s ${s.toFixed(3)}`);
