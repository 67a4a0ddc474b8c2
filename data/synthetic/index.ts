/**
 * Synthetic tasks, registered by name. Each generates deterministic train and held-out splits as
 * JSONL + media files, and declares the reward pipeline that scores it.
 */
import { join } from 'node:path';
import { GlimpseError } from '../../src/util/errors.js';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { Rng } from '../../src/util/rng.js';
import type { PipelineSpec } from '../../rewards/types.js';
import type { CoordinateMap } from '../../modalities/coords.js';
import type { Sample } from '../schema.js';
import { checkLabelMargin, groundingSample, groundingSolution, labelBox, makeGroundingScene, renderGroundingScene, type GroundingOptions } from './grounding.js';
import { svgTask } from './svg.js';
import { temporalTask } from './temporal.js';
import { timeseriesTask } from './timeseries.js';
import { scene3dTask } from './scene3d.js';
import { manifestMatches, writeManifest, writeSplit, type SplitSpec, type TaskManifest } from './write.js';

export interface SyntheticTask {
  name: string;
  description: string;
  /** Reward pipeline used for training and held-out evaluation. */
  pipeline: PipelineSpec;
  /**
   * The reference completion of a sample for supervised warm-up (SFT), given the map from the
   * sample's original units to the model's answer space.
   */
  solution?(sample: Sample, coords: CoordinateMap): string;
  /** Writes `<out>/train.jsonl`, `<out>/test.jsonl` and media; reuses a folder made with the same parameters. */
  generate(out: string, opts: { seed: number; splits: SplitSpec; options?: Record<string, unknown> }): Promise<{ reused: boolean; files: string[] }>;
}

/**
 * Default generator options of the `grounding` task: one dark shape in a 3×3 grid of 28-px cells
 * on the coordinate-gradient background, with one fixed prompt — the variant glimpse-tiny learns
 * from scratch on a 2-core CPU in minutes (docs/tasks.md says why each choice matters). Harder
 * variants: `{ink: 'colors', prompt: 'describe'}` (named colours), `{layout: 'free', maxShapes: 4,
 * background: 'plain', ink: 'colors', prompt: 'describe'}` (referring among distractors,
 * continuous boxes).
 */
export const GROUNDING_DEFAULTS: GroundingOptions = { layout: 'grid', cells: 3, minShapes: 1, maxShapes: 1, background: 'gradient', ink: 'dark', prompt: 'generic' };

const grounding: SyntheticTask = {
  name: 'grounding',
  description: 'image grounding: find the described shape and answer its bounding box in pixels (Acc@0.5); options: layout grid|free, cells, minShapes, maxShapes, background gradient|plain, canvas',
  pipeline: {
    rewards: [
      { name: 'format.think_answer', weight: 0.5 },
      { name: 'geometry.iou', weight: 1, params: { coords: 'pixel' } },
    ],
  },
  solution(sample, coords) {
    const b = sample.answer.bbox;
    if (!b) throw new GlimpseError('bad_input', `sample ${sample.id} has no answer.bbox`);
    const margin = Number(sample.meta?.label_margin ?? 0);
    const canvas = Number(sample.meta?.canvas ?? Infinity);
    return groundingSolution(coords.boxFromOriginal(margin > 0 ? labelBox(b, margin, canvas) : b));
  },
  async generate(out, { seed, splits, options: given = {} }) {
    const options = { ...GROUNDING_DEFAULTS, ...given };
    const manifest: TaskManifest = { task: 'grounding', version: 1, seed, splits, options };
    const files = [join(out, 'train.jsonl'), join(out, 'test.jsonl')];
    const labelMargin = (options as GroundingOptions).labelMargin ?? 0;
    checkLabelMargin(labelMargin); // before any file is written
    if (manifestMatches(out, manifest)) return { reused: true, files };
    for (const [split, count, offset] of [['train', splits.train, 0], ['test', splits.test, 1]] as const) {
      // separate streams per split so the held-out set does not depend on the train size
      const rng = new Rng(seed * 2 + offset);
      const samples = [];
      for (let i = 0; i < count; i++) {
        const scene = makeGroundingScene(rng, options as GroundingOptions);
        const rel = `images/${split}-${String(i).padStart(6, '0')}.png`;
        await writeFileAtomic(join(out, rel), renderGroundingScene(scene));
        samples.push(groundingSample(`${split}-${i}`, scene, rel, labelMargin));
      }
      await writeSplit(out, split, samples);
    }
    await writeManifest(out, manifest);
    return { reused: false, files };
  },
};

const tasks = new Map<string, SyntheticTask>([[grounding.name, grounding]]);

export function registerSyntheticTask(task: SyntheticTask): void {
  if (tasks.has(task.name)) throw new Error(`synthetic task "${task.name}" is already registered`);
  tasks.set(task.name, task);
}

/** The task registered as `name`; an unknown name is an error listing the known tasks. */
export function getSyntheticTask(name: string): SyntheticTask {
  const t = tasks.get(name);
  if (!t) throw new GlimpseError('unknown_name', `unknown synthetic task "${name}"; known tasks: ${[...tasks.keys()].sort().join(', ')}`);
  return t;
}

export function listSyntheticTasks(): string[] {
  return [...tasks.keys()].sort();
}

for (const t of [temporalTask, svgTask, timeseriesTask, scene3dTask]) registerSyntheticTask(t);
