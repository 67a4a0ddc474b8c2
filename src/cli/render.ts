import type { Command } from 'commander';
import { register as image } from './render/image.js';
import { register as frames } from './render/frames.js';
import { register as svg } from './render/svg.js';
import { register as chart } from './render/chart.js';
import { register as scene } from './render/scene.js';

export function register(program: Command): void {
  const render = program
    .command('render')
    .description('render media (image, video frames, SVG, chart, 3D scene) to PNGs a person can look at');
  for (const sub of [image, frames, svg, chart, scene]) sub(render);
}
