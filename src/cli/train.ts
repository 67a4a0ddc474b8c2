import type { Command } from 'commander';
import { loadTrainConfig } from '../config/train.js';
import { listSyntheticTasks } from '../../data/synthetic/index.js';
import { runTraining } from '../train/run.js';

/** Options shared by `glimpse train` and `glimpse sft`. */
export function trainOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'training configuration (YAML or JSON); flags override it')
    .option('--task <name>', `synthetic task (${listSyntheticTasks().join(', ')})`)
    .option('--data <train.jsonl>', 'train on a JSONL dataset of Samples instead of a synthetic task')
    .option('--test-data <test.jsonl>', 'held-out JSONL dataset (with --data)')
    .option('--pipeline <file>', 'reward pipeline (YAML/JSON); default: the task\'s own')
    .option('--model <dir|preset>', 'model folder (Hugging Face layout) or preset (glimpse-tiny)')
    .option('--steps <n>', 'optimisation steps', (v) => Number(v))
    .option('--out <dir>', 'output folder (checkpoints, metrics.jsonl, report.md)')
    .option('--seed <n>', 'seed', (v) => Number(v))
    .option('--resume', 'continue the run in --out from its latest checkpoint')
    .option('--quiet', 'no progress bars');
}

export interface TrainFlags {
  config?: string;
  task?: string;
  data?: string;
  testData?: string;
  pipeline?: string;
  model?: string;
  steps?: number;
  out?: string;
  seed?: number;
  resume?: boolean;
  quiet?: boolean;
}

export function overridesFrom(f: TrainFlags, sft: boolean): Record<string, unknown> {
  return {
    task: f.task,
    data: f.data ? { train: f.data, ...(f.testData ? { test: f.testData } : {}) } : undefined,
    pipeline: f.pipeline,
    model: f.model,
    out: f.out,
    seed: f.seed,
    ...(f.steps !== undefined ? (sft ? { sft: { steps: f.steps } } : { steps: f.steps }) : {}),
  };
}

export function register(program: Command): void {
  trainOptions(
    program
      .command('train')
      .description('GRPO training of a policy; with no arguments: glimpse-tiny on the synthetic grounding task, on CPU (a short supervised warm start first)'),
  ).action(async (f: TrainFlags) => {
    const cfg = await loadTrainConfig(f.config, overridesFrom(f, false));
    const r = await runTraining(cfg, { ...(f.resume ? { resume: true } : {}), ...(f.quiet ? { quiet: true } : {}), command: ['glimpse', ...process.argv.slice(2)].join(' ') });
    if (r.interrupted) process.exitCode = 130;
  });
}
