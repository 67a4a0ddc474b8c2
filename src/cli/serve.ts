import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve reward pipelines over HTTP (OpenRLHF, verl, TRL)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('serve', 'the reward server is still being built'));
}
