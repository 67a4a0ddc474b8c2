/**
 * Reward pipelines: named rewards with weights, optional gates, and shaping transforms, declared
 * in YAML/JSON and compiled ONCE (reward lookup, params validation with zod, precompiled scorers)
 * so that scoring a completion does no parsing of configuration.
 *
 * total = shape_total( gate ? 0 : Σ_i w_i · shape_i(score_i) )   over non-null components i
 *
 * Shaping ops (per component via `shaping:` on an entry, or on the total via the pipeline's
 * `shaping:`), applied in order:
 *   - `{op: clip, min?, max?}`                 clamp
 *   - `{op: centre, reference}`               r − reference
 *   - `{op: scale, factor}`                   r · factor
 *   - `{op: sigmoid, reference=0, temperature=1}`     PAR: σ((r − reference)/temperature)
 *     (Fu et al. 2025, "Reward Shaping to Mitigate Reward Hacking in RLHF": bounded, centred)
 *   - `{op: log_sigmoid, reference=0, temperature=1}` log σ((r − reference)/temperature)
 *     (Wang et al. 2024, "Transforming and Combining Rewards": sums act like a logical AND)
 *
 * A gate component that is `null` (does not apply) does not close the gate. Rewards run in order;
 * a reward that throws (it must not) is recorded as `null` with the reason `internal error: …`.
 *
 * @example
 *   const p = compilePipeline({
 *     rewards: [
 *       { name: 'format.think_answer', weight: 0.5 },
 *       { name: 'geometry.iou', params: { coords: 'pixel' } },
 *     ],
 *     gate: 'format.think_answer',
 *   });
 *   p.scoreSync({ completion, sample }); // { reward, components, reasons, raw, gated }
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../data/schema.js';
import { describeError, GlimpseError } from '../src/util/errors.js';
import { getReward, listRewardNames } from './registry.js';
import type { PipelineSpec, RewardContext, RewardDefinition, RewardInput, RewardResult, ScoredItem } from './types.js';

const ShapeOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('clip'), min: z.number().optional(), max: z.number().optional() }).strict(),
  z.object({ op: z.literal('centre'), reference: z.number().describe('subtracted from the score') }).strict(),
  z.object({ op: z.literal('center'), reference: z.number() }).strict(),
  z.object({ op: z.literal('scale'), factor: z.number() }).strict(),
  z
    .object({
      op: z.literal('sigmoid'),
      reference: z.number().default(0).describe('PAR reference reward (Fu et al. 2025)'),
      temperature: z.number().positive().default(1),
    })
    .strict(),
  z
    .object({
      op: z.literal('log_sigmoid'),
      reference: z.number().default(0).describe('centring reference (Wang et al. 2024)'),
      temperature: z.number().positive().default(1),
    })
    .strict(),
]);
export type ShapeOp = z.infer<typeof ShapeOpSchema>;
export const SHAPE_OPS = ['clip', 'centre', 'center', 'scale', 'sigmoid', 'log_sigmoid'] as const;

const ShapingSchema = z.union([ShapeOpSchema, z.array(ShapeOpSchema)]).optional();

const EntrySchema = z
  .object({
    name: z.string().min(1).describe('registered reward name, family.name'),
    weight: z.number().refine(Number.isFinite, 'must be finite').default(1).describe('weight in the total'),
    params: z.record(z.string(), z.unknown()).default({}).describe("the reward's params"),
    as: z.string().min(1).optional().describe('component key (default: name); set it to use one reward twice'),
    shaping: ShapingSchema.describe('transforms of this component before weighting'),
  })
  .strict();

const PipelineSchema = z
  .object({
    name: z.string().optional(),
    rewards: z.array(EntrySchema).min(1, 'a pipeline needs at least one reward'),
    gate: z.union([z.string(), z.array(z.string())]).optional().describe('component key(s) that must score > 0, else the total is 0'),
    shaping: ShapingSchema.describe('transforms of the total, after the gate'),
  })
  .strict();

/** A compiled pipeline (see the module comment). */
export interface Pipeline {
  readonly name: string;
  readonly spec: PipelineSpec;
  /** True when any reward is async (model-based): use `score`, not `scoreSync`. */
  readonly isAsync: boolean;
  /** Component keys, in order. */
  readonly components: readonly string[];
  scoreSync(input: RewardInput): ScoredItem;
  score(input: RewardInput, ctx?: RewardContext): Promise<ScoredItem>;
}

type Scorer = (input: RewardInput, ctx?: RewardContext) => RewardResult | Promise<RewardResult>;

interface CompiledEntry {
  key: string;
  weight: number;
  def: RewardDefinition<unknown>;
  run: Scorer;
  shape: ((x: number) => number) | undefined;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log σ(x), computed stably for large |x|. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** One function applying the ops in order. */
export function compileShaping(ops: ShapeOp[]): (x: number) => number {
  const fns = ops.map((o): ((x: number) => number) => {
    switch (o.op) {
      case 'clip': {
        const lo = o.min ?? -Infinity;
        const hi = o.max ?? Infinity;
        return (x) => (x < lo ? lo : x > hi ? hi : x);
      }
      case 'centre':
      case 'center': {
        const ref = o.reference;
        return (x) => x - ref;
      }
      case 'scale': {
        const f = o.factor;
        return (x) => x * f;
      }
      case 'sigmoid': {
        const { reference: ref, temperature: t } = o;
        return (x) => sigmoid((x - ref) / t);
      }
      case 'log_sigmoid': {
        const { reference: ref, temperature: t } = o;
        return (x) => logSigmoid((x - ref) / t);
      }
    }
  });
  if (fns.length === 1) return fns[0]!;
  return (x) => {
    let v = x;
    for (const f of fns) v = f(v);
    return v;
  };
}

/** `key (type, default …): description` for each param of a reward, for error messages and docs. */
export function describeParams(def: RewardDefinition<unknown>): string[] {
  const shape = (def.params as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape || typeof shape !== 'object') return [];
  return Object.entries(shape).map(([k, v]) => {
    const desc = v.description ?? (v as unknown as { meta?: () => { description?: string } | undefined }).meta?.()?.description;
    return desc ? `${k} (${desc})` : k;
  });
}

function configError(source: string, where: string, msg: string, hint?: string): GlimpseError {
  return new GlimpseError('bad_config', `${source}: ${where}${where ? ': ' : ''}${msg}`, hint);
}

/**
 * Validates a pipeline spec (parsed YAML/JSON) and compiles it. Throws GlimpseError('bad_config')
 * naming the entry (`rewards[1] (geometry.iou)`) with, for an unknown name, the registered reward
 * names and, for bad params, the reward's valid params.
 */
export function compilePipeline(spec: unknown, opts?: { name?: string; source?: string }): Pipeline {
  const source = opts?.source ?? 'pipeline';
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw configError(source, '', 'expected an object with "rewards": [{name, weight?, params?}], optional "gate" and "shaping"');
  }
  // Unknown reward names first: the most useful message.
  const raw = spec as { rewards?: unknown };
  if (Array.isArray(raw.rewards)) {
    raw.rewards.forEach((e, i) => {
      const n = (e as { name?: unknown } | null)?.name;
      if (typeof n === 'string' && !listRewardNames().includes(n)) {
        throw configError(source, `rewards[${i}]`, `unknown reward "${n}"; known rewards: ${listRewardNames().join(', ') || '(none registered)'}`);
      }
    });
  }
  const parsed = PipelineSchema.safeParse(spec);
  if (!parsed.success) {
    throw configError(source, '', formatZodError(parsed.error), `valid keys: rewards [{name, weight, params, as, shaping}], gate, shaping, name; shaping ops: ${SHAPE_OPS.join(', ')}`);
  }
  const p = parsed.data;
  const entries: CompiledEntry[] = [];
  const keys = new Set<string>();
  p.rewards.forEach((e, i) => {
    const where = `rewards[${i}] (${e.name})`;
    const def = getReward(e.name) as RewardDefinition<unknown>;
    const key = e.as ?? e.name;
    if (keys.has(key)) throw configError(source, where, `component "${key}" appears twice; give one entry "as: <another key>"`);
    keys.add(key);
    const pr = def.params.safeParse(e.params);
    if (!pr.success) {
      const valid = describeParams(def);
      throw configError(source, where, `bad params: ${formatZodError(pr.error)}; ${valid.length ? `valid params: ${valid.join('; ')}` : `${e.name} takes no params`}`);
    }
    const params = pr.data;
    let run: Scorer;
    try {
      run = def.compile ? def.compile(params) : (input, ctx) => def.score(input, params, ctx);
    } catch (err) {
      throw configError(source, where, `cannot compile: ${describeError(err)}`);
    }
    const ops = e.shaping === undefined ? [] : Array.isArray(e.shaping) ? e.shaping : [e.shaping];
    entries.push({ key, weight: e.weight, def, run, shape: ops.length ? compileShaping(ops) : undefined });
  });
  const gates = p.gate === undefined ? [] : Array.isArray(p.gate) ? p.gate : [p.gate];
  for (const g of gates) {
    if (!keys.has(g)) throw configError(source, 'gate', `"${g}" is not a component of this pipeline; components: ${[...keys].join(', ')}`);
  }
  const totalOps = p.shaping === undefined ? [] : Array.isArray(p.shaping) ? p.shaping : [p.shaping];
  const shapeTotal = totalOps.length ? compileShaping(totalOps) : undefined;
  const isAsync = entries.some((e) => e.def.async === true);
  const name = opts?.name ?? p.name ?? 'pipeline';
  const gateIdx = gates.map((g) => entries.findIndex((e) => e.key === g));

  // Flat arrays for the hot path (no per-call lookups or allocations beyond the output).
  const nE = entries.length;
  const keysArr = entries.map((e) => e.key);
  const weights = entries.map((e) => e.weight);
  const los = entries.map((e) => e.def.range[0]);
  const his = entries.map((e) => e.def.range[1]);
  const shapes = entries.map((e) => e.shape);
  const gateKeys = gateIdx.map((i) => keysArr[i]!);

  const combine = (results: RewardResult[]): ScoredItem => {
    const components: Record<string, number | null> = {};
    const reasons: Record<string, string> = {};
    let details: Record<string, Record<string, unknown> | undefined> | undefined;
    let sum = 0;
    for (let i = 0; i < nE; i++) {
      const key = keysArr[i]!;
      const r = results[i]!;
      let s = r.score;
      if (s !== null) {
        if (typeof s !== 'number' || !Number.isFinite(s)) {
          reasons[key] = `internal error: score ${String(s)} is not a finite number`;
          s = null;
        } else if (s < los[i]!) s = los[i]!;
        else if (s > his[i]!) s = his[i]!;
      }
      components[key] = s;
      if (r.reason !== undefined && reasons[key] === undefined) reasons[key] = r.reason;
      if (r.details !== undefined) (details ??= {})[key] = r.details;
      if (s !== null) {
        const f = shapes[i];
        sum += weights[i]! * (f ? f(s) : s);
      }
    }
    let gated = false;
    for (const g of gateKeys) {
      const v = components[g];
      if (v !== null && v !== undefined && !(v > 0)) gated = true;
    }
    let reward = gated ? 0 : sum;
    if (shapeTotal) reward = shapeTotal(reward);
    if (!Number.isFinite(reward)) reward = 0;
    const out: ScoredItem = { reward, components, reasons, raw: sum, gated };
    if (details) out.details = details;
    return out;
  };

  const safeResult = (e: CompiledEntry, r: unknown): RewardResult => {
    if (r && typeof r === 'object' && 'score' in r) return r as RewardResult;
    return { score: null, reason: `internal error: ${e.def.name} returned ${typeof r}` };
  };

  return {
    name,
    spec: p as PipelineSpec,
    isAsync,
    components: entries.map((e) => e.key),
    scoreSync(input: RewardInput): ScoredItem {
      if (isAsync) {
        const names = entries.filter((e) => e.def.async).map((e) => e.def.name);
        throw new GlimpseError('unsupported', `pipeline ${name}: ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} async (model-based); use score(), not scoreSync()`);
      }
      const results: RewardResult[] = new Array(nE);
      for (let i = 0; i < nE; i++) {
        const e = entries[i]!;
        try {
          results[i] = safeResult(e, e.run(input));
        } catch (err) {
          results[i] = { score: null, reason: `internal error: ${describeError(err).slice(0, 200)}` };
        }
      }
      return combine(results);
    },
    async score(input: RewardInput, ctx?: RewardContext): Promise<ScoredItem> {
      const results = await Promise.all(
        entries.map(async (e): Promise<RewardResult> => {
          try {
            return safeResult(e, await e.run(input, ctx));
          } catch (err) {
            return { score: null, reason: `internal error: ${describeError(err).slice(0, 200)}` };
          }
        }),
      );
      return combine(results);
    },
  };
}

/**
 * Reads and compiles a pipeline file: YAML (`.yaml`, `.yml`) or JSON (`.json`; any other
 * extension is read as YAML, which accepts JSON too). The pipeline's name defaults to the file
 * name without extension. GlimpseError `not_found` / `bad_config` name the file.
 */
export async function loadPipelineFile(path: string): Promise<Pipeline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'unreadable', `${path}: cannot read the pipeline file (${code ?? describeError(e)})`);
  }
  let spec: unknown;
  try {
    spec = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new GlimpseError('bad_config', `${path}: not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${describeError(e)}`);
  }
  const fileName = basename(path).replace(/\.(ya?ml|json)$/i, '');
  const declared = (spec as { name?: unknown } | null)?.name;
  return compilePipeline(spec, { name: typeof declared === 'string' ? declared : fileName, source: path });
}
