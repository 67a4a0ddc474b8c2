/**
 * The `glimpse` command line. Each verb lives in its own file (`src/cli/<verb>.ts`) and exports
 * `register(program)`; this file wires them and turns errors into one readable line.
 */
import { Command, CommanderError } from 'commander';
import { describeError, isGlimpseError } from '../util/errors.js';
import { VERBS } from './verbs.js';

export function buildProgram(): Command {
  const program = new Command('glimpse')
    .description('Reinforcement learning of multimodal reasoning models: rewards, media adapters, policy engine, GRPO.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  for (const register of VERBS) register(program);
  return program;
}

/** Entry point of bin/glimpse.js. Exits non-zero with a one-line message on any error. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    process.exitCode = reportError(e);
  }
}

/** Prints `glimpse: <message>` (and a hint) on stderr; returns the exit code to use. */
export function reportError(e: unknown): number {
  if (isGlimpseError(e)) {
    process.stderr.write(`glimpse: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    return e.code === 'not_available' ? 2 : 1;
  }
  process.stderr.write(`glimpse: ${describeError(e)}\n`);
  if (process.env.GLIMPSE_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('  (set GLIMPSE_DEBUG=1 for a stack trace)\n');
  return 1;
}
