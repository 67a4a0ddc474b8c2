import type { Command } from 'commander';
import { loadTrainConfig } from '../config/train.js';
import { runTraining } from '../train/run.js';
import { overridesFrom, trainOptions, type TrainFlags } from './train.js';

export function register(program: Command): void {
  trainOptions(
    program
      .command('sft')
      .description('supervised fine-tuning on reference solutions (the warm start of glimpse train); --steps sets the SFT steps'),
  ).action(async (f: TrainFlags) => {
    const cfg = await loadTrainConfig(f.config, overridesFrom(f, true));
    const r = await runTraining(cfg, { sftOnly: true, ...(f.resume ? { resume: true } : {}), ...(f.quiet ? { quiet: true } : {}), command: ['glimpse', ...process.argv.slice(2)].join(' ') });
    if (r.interrupted) process.exitCode = 130;
  });
}
