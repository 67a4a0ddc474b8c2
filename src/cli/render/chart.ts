import type { Command } from 'commander';
import { notAvailable } from '../not-available.js';

/** Adds `glimpse render chart` to the `render` command. */
export function register(render: Command): void {
  render
    .command('chart')
    .description('render chart (not available yet)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('render chart', 'this adapter is still being built'));
}
