import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a policy or an OpenAI-compatible endpoint on a benchmark')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('eval', 'the evaluation harness is still being built'));
}
