import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('sft')
    .description('supervised fine-tuning of a policy (warm start before GRPO)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('sft', 'the policy engine and the trainer are still being built'));
}
