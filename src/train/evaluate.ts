/**
 * Held-out evaluation: greedy completions scored by the task's pipeline. Metric keys: the
 * pipeline's `reward/mean`, `reward/<component>` means, and for box tasks (a `geometry.iou`
 * component) `acc@0.5` (share with IoU > 0.5, RefCOCO's Acc@0.5) and `mIoU`.
 */
import type { Sample } from '../../data/schema.js';
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

export async function evaluate(policy: QwenVLPolicy, samples: readonly Sample[], pipeline: Pipeline, cache: PromptCache, o: { maxNewTokens: number; onProgress?: (done: number) => void }): Promise<EvalResult> {
  const examples: EvalExample[] = [];
  for (const [i, s] of samples.entries()) {
    const enc = await cache.prompt(s);
    const [r] = await policy.generateEncoded([enc], { n: 1, temperature: 0, maxNewTokens: o.maxNewTokens });
    const completion = r!.text;
    const scored = await pipeline.score({ completion, sample: s, ...(enc.maps[0] ? { coords: enc.maps[0] } : {}) });
    examples.push({ id: s.id, completion, scored });
    o.onProgress?.(i + 1);
  }
  return { metrics: aggregate(examples.map((e) => e.scored)), examples };
}
