/**
 * Training checkpoints: `<out>/checkpoints/step-NNNNNN/` holds the model folder (Hugging Face
 * layout), `optimizer.safetensors` (AdamW moments and step) and `trainer_state.json` (step, phase,
 * config). A checkpoint is written into a temporary folder and renamed into place, then
 * `latest.json` is replaced atomically, so a run killed at any moment (SIGKILL included) leaves
 * the previous checkpoint intact and loses at most the steps since it.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { GlimpseError } from '../util/errors.js';
import { savePolicy } from '../policy/model/folder.js';
import type { QwenVLPolicy } from '../policy/model/policy.js';
import type { AdamW } from '../policy/optim/adamw.js';

export interface TrainerState {
  /** Optimiser steps done in this phase. */
  step: number;
  phase: 'sft' | 'grpo';
  /** The run's configuration (for resume checks). */
  config: unknown;
  /** Held-out metrics of the phase's starting checkpoint. */
  startMetrics?: Record<string, number>;
  /** Wall-clock seconds spent before this checkpoint (for tokens/s across resumes). */
  elapsed: number;
  /** The phase ended here (SFT: its stopping rule fired before `sft.steps`). */
  done?: boolean;
}

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'trainer_state.json';

function stepDir(step: number, phase: string): string {
  return `${phase}-step-${String(step).padStart(6, '0')}`;
}

/** Writes a checkpoint atomically; keeps the newest `keep` checkpoints of the phase. */
export async function saveCheckpoint(out: string, policy: QwenVLPolicy, optimizer: AdamW, state: TrainerState, keep = 2): Promise<string> {
  const root = join(out, 'checkpoints');
  const name = stepDir(state.step, state.phase);
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await savePolicy(policy, tmp, { step: String(state.step), phase: state.phase });
  await optimizer.save(join(tmp, OPTIMIZER_FILE));
  await writeFileAtomic(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  await writeFileAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step: state.step, phase: state.phase }) + '\n');
  const mine = readdirSync(root).filter((d) => d.startsWith(`${state.phase}-step-`)).sort();
  for (const d of mine.slice(0, Math.max(0, mine.length - keep))) rmSync(join(root, d), { recursive: true, force: true });
  return final;
}

/** The newest complete checkpoint of `out`, if any. */
export function latestCheckpoint(out: string): { dir: string; state: TrainerState } | undefined {
  const root = join(out, 'checkpoints');
  const p = join(root, 'latest.json');
  if (!existsSync(p)) return undefined;
  let latest: { dir?: string };
  try {
    latest = JSON.parse(readFileSync(p, 'utf8')) as { dir?: string };
  } catch (e) {
    throw new GlimpseError('corrupt', `${p}: not valid JSON (${(e as Error).message}); remove it to start over`);
  }
  if (!latest.dir) throw new GlimpseError('corrupt', `${p}: no "dir" field`);
  const dir = join(root, latest.dir);
  const sp = join(dir, STATE_FILE);
  if (!existsSync(sp)) throw new GlimpseError('corrupt', `${dir}: checkpoint has no ${STATE_FILE}`);
  return { dir, state: JSON.parse(readFileSync(sp, 'utf8')) as TrainerState };
}
