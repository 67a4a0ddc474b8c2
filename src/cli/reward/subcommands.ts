/**
 * Subcommands of `glimpse reward` (e.g. `glimpse reward svg …`, issue 7). Each entry adds its
 * subcommand to the `reward` command; `glimpse reward --pipeline … --input …` (no subcommand)
 * scores a pipeline. To add one: write `src/cli/reward/<name>.ts` exporting
 * `register(reward: Command)` and list it here.
 */
import type { Command } from 'commander';
import { register as svg } from './svg.js';

export const REWARD_SUBCOMMANDS: Array<(reward: Command) => void> = [svg];
