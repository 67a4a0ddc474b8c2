import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('train')
    .description('GRPO training of a policy (default: glimpse-tiny on the synthetic grounding task, CPU)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('train', 'the policy engine and the GRPO trainer are still being built'));
}
