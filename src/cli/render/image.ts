import type { Command } from 'commander';
import { notAvailable } from '../not-available.js';

/** Adds `glimpse render image` to the `render` command. */
export function register(render: Command): void {
  render
    .command('image')
    .description('render image (not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render image', 'this adapter is still being built'));
}
