import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('reward')
    .description('score completions with a reward pipeline')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('reward', 'the reward library is still being built'));
}
