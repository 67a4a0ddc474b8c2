/**
 * `glimpse reward`: scores completions with a reward pipeline (the default action, see
 * ./reward/run.ts), lists the rewards (`--list`), and hosts subcommands such as
 * `glimpse reward svg` (./reward/subcommands.ts).
 */
import type { Command } from 'commander';
import { REWARD_SUBCOMMANDS } from './reward/subcommands.js';

export function register(program: Command): void {
  const reward = program
    .command('reward')
    .description('score completions with a reward pipeline: glimpse reward --pipeline rewards.yaml --input completions.jsonl [--out scored.jsonl]')
    .option('--pipeline <file>', 'reward pipeline, YAML or JSON: rewards: [{name, weight?, params?}], gate?, shaping?')
    .option('--input <file>', 'JSONL of {"id"?, "completion", "sample", "coords"?} ("-" for stdin)')
    .option('--out <file>', 'write the scored JSONL here, atomically (default: stdout)')
    .option('--details', 'add each reward\'s details to the output lines')
    .option('--list', 'list the registered rewards with their params and papers')
    .action(async (opts: { pipeline?: string; input?: string; out?: string; details?: boolean; list?: boolean }) => {
      // loaded on use, so that other verbs do not pay for registering every reward
      if (opts.list) {
        const { formatRewardList } = await import('./reward/list.js');
        process.stdout.write(formatRewardList());
        return;
      }
      const { runReward } = await import('./reward/run.js');
      await runReward(opts);
    });
  for (const sub of REWARD_SUBCOMMANDS) sub(reward);
}
