/**
 * Held-out evaluation: greedy completions scored by the task's pipeline (and, optionally, k sampled
 * completions per prompt under `sampled/…`). Metric keys: the
 * pipeline's `reward/mean`, `reward/<component>` means, and for box tasks (a `geometry.iou`
 * component) `acc@0.5` (share with IoU > 0.5, RefCOCO's Acc@0.5) and `mIoU`.
 */
import type { Sample } from '../../data/schema.js';
import type { TrainConfig } from '../config/train.js';
import type { Pipeline } from '../../rewards/compose.js';
import type { ScoredItem } from '../../rewards/types.js';
import type { QwenVLPolicy } from '../policy/model/policy.js';
import type { PromptCache } from './task-data.js';

export interface EvalExample {
  id: string;
  completion: string;
  scored: ScoredItem;
}

export interface EvalResult {
  metrics: Record<string, number>;
  examples: EvalExample[];
}

/** Aggregates scored items into metrics (see the module comment). */
export function aggregate(items: readonly ScoredItem[]): Record<string, number> {
  const m: Record<string, number> = {};
  if (items.length === 0) return m;
  m['reward/mean'] = items.reduce((a, s) => a + s.reward, 0) / items.length;
  const names = new Set(items.flatMap((s) => Object.keys(s.components)));
  for (const n of names) {
    const vals = items.map((s) => s.components[n]).filter((v): v is number => typeof v === 'number');
    if (vals.length) m[`reward/${n}`] = vals.reduce((a, b) => a + b, 0) / vals.length;
  }
  const ious = items.map((s) => s.components['geometry.iou']).filter((v): v is number => typeof v === 'number');
  if (ious.length) {
    m['acc@0.5'] = ious.filter((v) => v > 0.5).length / ious.length;
    m.mIoU = ious.reduce((a, b) => a + b, 0) / ious.length;
  }
  return m;
}

/** The sampled part of held-out evaluation (`eval_sampled`), or nothing. */
export function evalSampling(cfg: Pick<TrainConfig, 'eval_sampled' | 'rollout' | 'seed'>): { sampled?: { samples: number; temperature: number; seed: number } } {
  return cfg.eval_sampled > 0 ? { sampled: { samples: cfg.eval_sampled, temperature: cfg.rollout.temperature, seed: cfg.seed } } : {};
}

export interface EvaluateOptions {
  maxNewTokens: number;
  /**
   * Also score `samples` completions per prompt sampled at `temperature` (DeepSeek-R1's pass@1
   * protocol: the mean over k samples), reported under `sampled/<metric>`. 0: greedy only.
   */
  sampled?: { samples: number; temperature: number; seed?: number };
  onProgress?: (done: number) => void;
}

export async function evaluate(policy: QwenVLPolicy, samples: readonly Sample[], pipeline: Pipeline, cache: PromptCache, o: EvaluateOptions): Promise<EvalResult> {
  const examples: EvalExample[] = [];
  const drawn: ScoredItem[] = [];
  const k = o.sampled?.samples ?? 0;
  for (const [i, s] of samples.entries()) {
    const enc = await cache.prompt(s);
    const coords = enc.maps[0] ? { coords: enc.maps[0] } : {};
    const [r] = await policy.generateEncoded([enc], { n: 1, temperature: 0, maxNewTokens: o.maxNewTokens });
    const completion = r!.text;
    const scored = await pipeline.score({ completion, sample: s, ...coords });
    examples.push({ id: s.id, completion, scored });
    if (k > 0) {
      const rs = await policy.generateEncoded([enc], { n: k, temperature: o.sampled!.temperature, maxNewTokens: o.maxNewTokens, seed: (o.sampled!.seed ?? 0) * 100_003 + i });
      for (const x of rs) drawn.push(await pipeline.score({ completion: x.text, sample: s, ...coords }));
    }
    o.onProgress?.(i + 1);
  }
  const metrics = aggregate(examples.map((e) => e.scored));
  if (k > 0) for (const [name, v] of Object.entries(aggregate(drawn))) metrics[`sampled/${name}`] = v;
  return { metrics, examples };
}
