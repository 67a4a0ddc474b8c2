import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('render')
    .description('render media (image, video frames, SVG, chart, 3D scene) to PNGs a person can look at')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render', 'the modality adapters are still being built'));
}
