import type { Command } from 'commander';
import { notAvailable } from '../not-available.js';

/** Adds `glimpse render frames` to the `render` command. */
export function register(render: Command): void {
  render
    .command('frames')
    .description('render frames (not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render frames', 'this adapter is still being built'));
}
