/**
 * What a training run trains on: train and held-out Samples, the reward pipeline, the optional
 * reference solution (for SFT), and caches of decoded images and encoded prompts.
 */
import { join } from 'node:path';
import { loadSamplesJsonl } from '../../data/jsonl.js';
import type { Sample } from '../../data/schema.js';
import { getSyntheticTask, type SyntheticTask } from '../../data/synthetic/index.js';
import { loadImage } from '../../modalities/image/load.js';
import type { RgbImage } from '../../modalities/types.js';
import '../../rewards/index.js';
import { compilePipeline, loadPipelineFile, type Pipeline } from '../../rewards/compose.js';
import type { QwenVLPolicy, EncodedPrompt } from '../policy/model/policy.js';
import { GlimpseError } from '../util/errors.js';

export interface TaskData {
  name: string;
  train: Sample[];
  test: Sample[];
  pipeline: Pipeline;
  task?: SyntheticTask;
}

export interface TaskDataOptions {
  task: string;
  data?: { train: string; test?: string };
  pipeline?: string;
  /** Folder for generated synthetic data. */
  dataDir: string;
  seed: number;
  trainSize: number;
  testSize: number;
  /** Options of the synthetic generator. */
  taskOptions?: Record<string, unknown>;
}

/** Loads JSONL datasets, or generates (or reuses) the synthetic task's splits. */
export async function loadTaskData(o: TaskDataOptions): Promise<TaskData> {
  let train: Sample[];
  let test: Sample[];
  let task: SyntheticTask | undefined;
  if (o.data) {
    const tr = await loadSamplesJsonl(o.data.train);
    if (tr.samples.length === 0) throw new GlimpseError('bad_input', `${o.data.train}: no valid samples${tr.problems[0] ? ` (line ${tr.problems[0].line}: ${tr.problems[0].error})` : ''}`);
    train = tr.samples;
    test = o.data.test ? (await loadSamplesJsonl(o.data.test)).samples : [];
  } else {
    task = getSyntheticTask(o.task);
    const dir = join(o.dataDir, `${task.name}-seed${o.seed}`);
    await task.generate(dir, { seed: o.seed, splits: { train: o.trainSize, test: o.testSize }, options: o.taskOptions ?? {} });
    train = (await loadSamplesJsonl(join(dir, 'train.jsonl'), { strict: true })).samples;
    test = (await loadSamplesJsonl(join(dir, 'test.jsonl'), { strict: true })).samples;
  }
  const pipeline = o.pipeline ? await loadPipelineFile(o.pipeline) : task ? compilePipeline(task.pipeline, { name: task.name }) : undefined;
  if (!pipeline) throw new GlimpseError('bad_config', 'a reward pipeline is needed: pass --pipeline <file> with --data');
  return { name: task?.name ?? 'custom', train, test, pipeline, ...(task ? { task } : {}) };
}

/** Decoded images and encoded prompts, cached by sample id. */
export class PromptCache {
  private readonly images = new Map<string, Promise<RgbImage[]>>();
  private readonly encoded = new Map<string, Promise<EncodedPrompt>>();

  constructor(private readonly policy: QwenVLPolicy) {}

  imagesOf(s: Sample): Promise<RgbImage[]> {
    let p = this.images.get(s.id);
    if (!p) {
      p = Promise.all(
        s.media.map((m) => {
          if (m.kind !== 'image') throw new GlimpseError('unsupported', `sample ${s.id}: the trainer takes image media for now (got ${m.kind})`);
          if (m.path) return loadImage(m.path);
          return loadImage(Buffer.from(m.data ?? '', 'base64'), { name: `${s.id} (inline)` });
        }),
      );
      this.images.set(s.id, p);
    }
    return p;
  }

  prompt(s: Sample): Promise<EncodedPrompt> {
    let p = this.encoded.get(s.id);
    if (!p) {
      p = this.imagesOf(s).then((images) => this.policy.encodePrompt({ text: s.prompt, images }));
      this.encoded.set(s.id, p);
    }
    return p;
  }
}
