import type { Command } from 'commander';
import { notAvailable } from './not-available.js';

export function register(program: Command): void {
  program
    .command('export')
    .description('export a glimpse model (e.g. to the transformers.js ONNX layout)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => notAvailable('export', 'the policy engine is still being built'));
}
