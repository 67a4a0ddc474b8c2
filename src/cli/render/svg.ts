import type { Command } from 'commander';
import { notAvailable } from '../not-available.js';

/** Adds `glimpse render svg` to the `render` command. */
export function register(render: Command): void {
  render
    .command('svg')
    .description('render svg (not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render svg', 'this adapter is still being built'));
}
