/**
 * Learning-rate schedules as multipliers of the peak rate, with the exact formulas of Hugging Face
 * transformers' `get_*_schedule_with_warmup` (the ones TRL, verl and EasyR1 use). `step` is the
 * number of optimiser steps already taken (0 for the first step), as the `LambdaLR` those
 * functions build sees it; so with warmup the first step has factor 0.
 *
 * - `constant`: 1 after a linear warmup (`get_constant_schedule_with_warmup`).
 * - `cosine`: linear warmup, then half a cosine from 1 to `minLrRatio` over the remaining steps
 *   (Loshchilov & Hutter 2017, SGDR; `get_cosine_schedule_with_warmup`, and with a floor
 *   `get_cosine_with_min_lr_schedule_with_warmup`).
 * - `linear`: linear warmup, then linear decay to 0 at `totalSteps` (`get_linear_schedule_with_warmup`).
 */
import { z } from 'zod';
import { GlimpseError } from '../../util/errors.js';

export const ScheduleSchema = z
  .object({
    kind: z.string().default('constant').describe('schedule name: constant | cosine | linear'),
    warmupSteps: z.number().int().min(0).default(0).describe('linear warmup steps from 0 to the peak rate'),
    totalSteps: z.number().int().min(1).optional().describe('total optimiser steps (required by cosine and linear)'),
    minLrRatio: z.number().min(0).max(1).default(0).describe('cosine floor as a fraction of the peak rate (0 = decay to 0)'),
  })
  .strict();
export type ScheduleSpec = z.input<typeof ScheduleSchema>;

/** A schedule: multiplier of the peak learning rate after `step` optimiser steps. */
export type Schedule = (step: number) => number;

type Parsed = z.output<typeof ScheduleSchema>;

function warm(step: number, w: number): number | null {
  return step < w ? step / Math.max(1, w) : null;
}

function needTotal(p: Parsed): number {
  if (p.totalSteps === undefined) throw new GlimpseError('bad_config', `schedule "${p.kind}" needs totalSteps`);
  if (p.warmupSteps > p.totalSteps) throw new GlimpseError('bad_config', `schedule "${p.kind}": warmupSteps (${p.warmupSteps}) exceeds totalSteps (${p.totalSteps})`);
  return p.totalSteps;
}

const SCHEDULES: Record<string, (p: Parsed) => Schedule> = {
  constant: (p) => (s) => warm(s, p.warmupSteps) ?? 1,
  cosine: (p) => {
    const total = needTotal(p);
    const w = p.warmupSteps;
    const floor = p.minLrRatio;
    return (s) => {
      const wf = warm(s, w);
      if (wf !== null) return wf;
      const progress = (s - w) / Math.max(1, total - w);
      const f = Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
      return progress >= 1 ? floor : f * (1 - floor) + floor;
    };
  },
  linear: (p) => {
    const total = needTotal(p);
    const w = p.warmupSteps;
    return (s) => warm(s, w) ?? Math.max(0, (total - s) / Math.max(1, total - w));
  },
};

/** Names of the known schedules. */
export function scheduleNames(): string[] {
  return Object.keys(SCHEDULES);
}

/**
 * Builds a schedule from its spec. Unknown names are a `GlimpseError('unknown_name')` listing the
 * known ones; missing `totalSteps` for a decaying schedule is `bad_config`.
 */
export function makeSchedule(spec: ScheduleSpec = {}): Schedule {
  const parsed = ScheduleSchema.safeParse(spec);
  if (!parsed.success) throw new GlimpseError('bad_config', `schedule: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const make = SCHEDULES[parsed.data.kind];
  if (!make) throw new GlimpseError('unknown_name', `unknown learning-rate schedule "${parsed.data.kind}"; known: ${scheduleNames().join(', ')}`);
  const f = make(parsed.data);
  return (step: number) => {
    if (!Number.isInteger(step) || step < 0) throw new GlimpseError('bad_argument', `schedule: step must be a non-negative integer, got ${step}`);
    return f(step);
  };
}
