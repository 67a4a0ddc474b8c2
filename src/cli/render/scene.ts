import type { Command } from 'commander';
import { notAvailable } from '../not-available.js';

/** Adds `glimpse render scene` to the `render` command. */
export function register(render: Command): void {
  render
    .command('scene')
    .description('render scene (not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render scene', 'this adapter is still being built'));
}
