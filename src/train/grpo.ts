/**
 * The GRPO loop, top to bottom (cleanrl style). Per step:
 *
 *   1. prompts: `prompts_per_step` training samples (deterministic order from the seed);
 *   2. rollouts: G completions per prompt with per-token logprobs (old_logp);
 *   3. rewards: the task pipeline scores every completion (coordinates mapped to original units)
 *      in `reward_workers` worker threads (reward-workers.ts);
 *   4. advantages: the configured estimator over each group of G (optionally DAPO dynamic
 *      sampling: groups whose rewards are all equal are dropped and more prompts drawn);
 *   5. accumulate: forward + objective + backward per micro-batch (`epochs` passes); micro-batches
 *      group similar lengths and pad at most `max_padding_waste` of their token slots;
 *   6. step: AdamW with clipping and schedule; metrics line; checkpoint every N steps.
 */
import type { Sample } from '../../data/schema.js';
import type { TrainConfig } from '../config/train.js';
import { computeAdvantages, informativeGroups } from '../grpo/advantages.js';
import { aggregationWeights, grpoObjective } from '../grpo/objectives.js';
import type { TrainSequence } from '../policy/model/feeds.js';
import { paddingStats, planMicroBatches } from '../policy/model/batching.js';
import type { EncodedPrompt, QwenVLPolicy } from '../policy/model/policy.js';
import { OptimStepper } from '../policy/optim/trainer-config.js';
import type { ScoredItem } from '../../rewards/types.js';
import type { Rollout } from '../policy/types.js';
import { saveCheckpoint, type TrainerState } from './checkpoint.js';
import { aggregate, evalSampling, evaluate } from './evaluate.js';
import type { StopSignal } from './interrupt.js';
import type { MetricsLog, MetricRow } from './metrics.js';
import { Progress } from './progress.js';
import { RolloutScorer } from './reward-workers.js';
import { batchIndices } from './sft.js';
import type { PromptCache, TaskData } from './task-data.js';

interface Group {
  sample: Sample;
  enc: EncodedPrompt;
  rollouts: Rollout[];
  scored: ScoredItem[];
}

export interface GrpoRunOptions {
  cfg: TrainConfig;
  out: string;
  startStep: number;
  startMetrics?: Record<string, number>;
  optimizerState?: string;
  quiet?: boolean;
  /** Held-out evaluation hook (every `eval_every` steps). */
  onEval?: (step: number, metrics: Record<string, number>) => void;
}

/** Rollouts and rewards for a list of samples (G each). */
async function rollout(policy: QwenVLPolicy, scorer: RolloutScorer, cache: PromptCache, samples: Sample[], cfg: TrainConfig, seed: number): Promise<Group[]> {
  const encs = await Promise.all(samples.map((s) => cache.prompt(s)));
  const r = cfg.rollout;
  const rollouts = await policy.generateEncoded(encs, { n: r.group_size, temperature: r.temperature, topP: r.top_p, topK: r.top_k, maxNewTokens: r.max_new_tokens, seed });
  const groups: Group[] = samples.map((sample, i) => ({ sample, enc: encs[i]!, rollouts: [], scored: [] }));
  for (const ro of rollouts) groups[ro.prompt]!.rollouts.push(ro);
  const inputs = groups.flatMap((g) => g.rollouts.map((ro) => ({ completion: ro.text, sample: g.sample, ...(g.enc.maps[0] ? { coords: g.enc.maps[0] } : {}) })));
  const scored = await scorer.score(inputs);
  let k = 0;
  for (const g of groups) for (let j = 0; j < g.rollouts.length; j++) g.scored.push(scored[k++]!);
  return groups;
}

export async function runGrpo(policy: QwenVLPolicy, data: TaskData, cache: PromptCache, log: MetricsLog, stop: StopSignal, o: GrpoRunOptions): Promise<{ step: number; interrupted: boolean }> {
  const { cfg } = o;
  const a = cfg.algorithm;
  const G = cfg.rollout.group_size;
  const stepper = new OptimStepper(policy.trainableParams(), cfg.optim, cfg.steps);
  if (o.optimizerState) stepper.optimizer.load(o.optimizerState);
  const objective = grpoObjective({ clipLow: a.clip_low, clipHigh: a.clip_high, dualClip: a.dual_clip, ratioLevel: a.ratio_level, klCoef: a.kl.mode === 'loss' ? a.kl.coef : 0, klEstimator: a.kl.estimator, entropyCoef: a.entropy_coef });
  const ref = a.kl.coef > 0 ? policy.frozenCopy() : undefined;
  const scorer = await RolloutScorer.create(data.pipeline, { workers: cfg.reward_workers, timeoutS: cfg.reward_timeout_s, source: cfg.pipeline ?? `task ${data.name}`, log: (l) => process.stderr.write(`${l}\n`) });
  try {
    return await loop();
  } finally {
    await scorer.close();
  }

  async function loop(): Promise<{ step: number; interrupted: boolean }> {
    const progress = new Progress('grpo', cfg.steps, process.stderr, o.quiet);
    const t0 = Date.now();
    let tokensSeen = 0;
    let step = o.startStep;
    let drawn = 0;
    for (; step < cfg.steps; step++) {
      if (stop.requested) break;
      const tStep = Date.now();
      // 1–3. prompts, rollouts, rewards (with DAPO dynamic sampling when enabled)
      let groups: Group[] = [];
      for (let attempt = 0; attempt <= (a.dynamic_sampling ? a.dynamic_sampling_retries : 0); attempt++) {
        const need = cfg.rollout.prompts_per_step - groups.length;
        if (need <= 0) break;
        const idx = batchIndices(data.train.length, cfg.rollout.prompts_per_step, step * 64 + attempt, cfg.seed + 1);
        const fresh = await rollout(policy, scorer, cache, idx.slice(0, need).map((i) => data.train[i]!), cfg, cfg.seed * 100_003 + step * 131 + attempt);
        drawn += fresh.length;
        const keep = a.dynamic_sampling ? informativeGroups(fresh.flatMap((g) => g.scored.map((s) => s.reward)), G).map((i) => fresh[i]!) : fresh;
        groups = groups.concat(keep);
      }
      const allScored = groups.flatMap((g) => g.scored);
      const row: MetricRow = { phase: 'grpo', step: step + 1 };
      if (groups.length === 0) {
        log.append({ ...row, skipped: 'all groups had equal rewards' });
        progress.update(step + 1, { skipped: 1 });
        continue;
      }
      // 4. advantages
      const rewards = allScored.map((s) => s.reward);
      const advByRollout = computeAdvantages(a.advantage, { rewards, groupSize: G }, { difficultyWeighting: a.difficulty_weighting });
      const seqs: TrainSequence[] = groups.flatMap((g) => g.rollouts.map((ro) => ({ ids: [...g.enc.ids, ...ro.tokens], promptLength: g.enc.ids.length, images: g.enc.images })));
      const rolls = groups.flatMap((g) => g.rollouts);
      const adv = advByRollout;
      const oldLogp = rolls.map((r) => r.logprobs);
      const weights = aggregationWeights(rolls.map((r) => r.tokens.length), a.loss_agg, cfg.rollout.max_new_tokens);
      // micro-batches of similar lengths, each padding at most max_padding_waste of its token slots
      const lengths = seqs.map((q) => q.ids.length);
      const plan = planMicroBatches(lengths, { maxSequences: cfg.micro_batch, maxWaste: cfg.max_padding_waste });
      const padding = paddingStats(lengths, plan);
      let refLogp: Float32Array[] | undefined;
      if (ref) {
        refLogp = new Array<Float32Array>(seqs.length);
        for (const mb of plan) (await ref.logprobs(mb.map((i) => seqs[i]!), cfg.rollout.temperature, mb.length)).forEach((lp, k) => (refLogp![mb[k]!] = lp));
      }
      // 5. accumulate (epochs × micro-batches) and 6. step
      let loss = 0;
      let entropy = 0;
      let clipped = 0;
      let approxKl = 0;
      let kl = 0;
      let tokens = 0;
      let rep = { norm: 0, lr: 0 };
      for (let epoch = 0; epoch < a.epochs; epoch++) {
        for (const mb of plan) {
          const pick = <T,>(x: readonly T[]) => mb.map((i) => x[i]!);
          const r = await policy.accumulate(pick(seqs), objective, {
            perToken: { old_logp: pick(oldLogp), token_weight: pick(weights), ...(refLogp && a.kl.mode === 'loss' ? { ref_logp: pick(refLogp) } : {}) },
            perSeq: { advantages: Float32Array.from(mb, (i) => adv[i]!) },
          }, cfg.rollout.temperature);
          loss += r.loss;
          if (epoch === 0) {
            r.logp.forEach((lp, k) => {
              const i = mb[k]!;
              const old = oldLogp[i]!;
              const A = adv[i]!;
              for (let j = 0; j < lp.length; j++) {
                const ratio = Math.exp(lp[j]! - old[j]!);
                approxKl += ratio - 1 - Math.log(ratio);
                if ((A > 0 && ratio > 1 + a.clip_high) || (A < 0 && ratio < 1 - a.clip_low)) clipped++;
                if (refLogp) {
                  const rr = refLogp[i]![j]! - lp[j]!;
                  kl += Math.exp(rr) - rr - 1;
                }
              }
              tokens += lp.length;
            });
            entropy += r.entropy.reduce((x, y) => x + y, 0);
          }
        }
        const s = stepper.step(policy.gradients());
        policy.zeroGrad();
        rep = { norm: s.norm, lr: s.lr };
      }
      tokensSeen += tokens;
      // metrics
      const elapsed = (Date.now() - t0) / 1000;
      const m = aggregate(allScored);
      Object.assign(row, m, {
        'reward/std': std(rewards),
        kl: tokens ? kl / tokens : 0,
        entropy: entropy / seqs.length,
        clip_frac: tokens ? clipped / tokens : 0,
        approx_kl: tokens ? approxKl / tokens : 0,
        response_len: tokens / seqs.length,
      padding_waste: padding.tokenWaste,
      micro_batches: plan.length,
        loss,
        grad_norm: rep.norm,
        lr: rep.lr,
        groups: groups.length,
        prompts_drawn: drawn,
        tokens_per_s: tokensSeen / Math.max(elapsed, 1e-9),
        step_s: (Date.now() - tStep) / 1000,
      });
      log.append(row);
      progress.update(step + 1, { reward: m['reward/mean'] ?? 0, ...(m['acc@0.5'] !== undefined ? { acc: m['acc@0.5'] } : {}), kl: row.kl as number, len: row.response_len as number });
      const done = step + 1;
      if (cfg.eval_every > 0 && done % cfg.eval_every === 0 && done < cfg.steps && data.test.length) {
        const ev = await evaluate(policy, data.test.slice(0, cfg.eval_samples), data.pipeline, cache, { maxNewTokens: cfg.rollout.max_new_tokens, ...evalSampling(cfg) });
        log.append({ phase: 'eval', step: done, ...ev.metrics });
        o.onEval?.(done, ev.metrics);
      }
      if (done % cfg.checkpoint_every === 0 && done < cfg.steps) await save(done);
    }
    await save(step);
    return { step, interrupted: step < cfg.steps };

    async function save(s: number): Promise<void> {
      const state: TrainerState = { step: s, phase: 'grpo', config: cfg, ...(o.startMetrics ? { startMetrics: o.startMetrics } : {}), elapsed: (Date.now() - t0) / 1000 };
      await saveCheckpoint(o.out, policy, stepper.optimizer, state);
    }
  }
}

function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
