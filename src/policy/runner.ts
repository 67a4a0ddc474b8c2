/**
 * Runs built graphs with ONNX Runtime: one compiled session per shape signature (the dtypes and
 * dims of the feeds), cached; the execution provider (`cpu` default, `cuda` on request, with a
 * clear error where it is missing) and the thread counts are chosen here.
 *
 * @example
 *   const runner = new GraphRunner((sig) => buildTrainGraph(sig), { provider: 'cpu' });
 *   const out = await runner.run({ ids: new ort.Tensor('int64', ids, [8, 256]) });
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GlimpseError, describeError } from '../util/errors.js';
import { GraphBuilder } from './graph/builder.js';

/** Execution providers glimpse knows how to ask for. */
export type ExecutionProvider = 'cpu' | 'cuda';

export interface RunnerOptions {
  /** Execution provider (default `cpu`). `cuda` needs an onnxruntime-node build with CUDA. */
  provider?: ExecutionProvider;
  /** CUDA device id (default 0). */
  deviceId?: number;
  /** Threads inside one op (default: the machine's available parallelism). */
  intraOpThreads?: number;
  /** Threads across independent ops (default 1: sequential execution). */
  interOpThreads?: number;
  /**
   * Whether idle intra-op threads spin-wait for work (ONNX Runtime's default, true). Spinning
   * saves microseconds per op on an idle machine but burns a core per waiting thread, which on a
   * shared or oversubscribed machine slows runs of many small ops (a decode step) several-fold.
   */
  spinning?: boolean;
  /** ONNX Runtime graph optimisation level (default `all`). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Most sessions kept (least recently used evicted, default 8). */
  maxSessions?: number;
}

/** A model: a builder (serialised on demand), ONNX bytes, or the path of a saved model (external data). */
export type ModelSource = GraphBuilder | Uint8Array | string;

/** Session options for the runner settings. */
export function sessionOptions(o: RunnerOptions = {}): ort.InferenceSession.SessionOptions {
  const provider = o.provider ?? 'cpu';
  const intra = o.intraOpThreads ?? availableParallelism();
  const inter = o.interOpThreads ?? 1;
  for (const [k, v] of [['intraOpThreads', intra], ['interOpThreads', inter]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 1024) throw new GlimpseError('bad_argument', `runner: ${k} must be an integer from 1 to 1024, got ${v}`);
  }
  const eps: ort.InferenceSession.ExecutionProviderConfig[] = provider === 'cuda'
    ? [{ name: 'cuda', deviceId: o.deviceId ?? 0 } as ort.InferenceSession.ExecutionProviderConfig]
    : ['cpu'];
  return {
    executionProviders: eps,
    intraOpNumThreads: intra,
    interOpNumThreads: inter,
    executionMode: inter > 1 ? 'parallel' : 'sequential',
    graphOptimizationLevel: o.optimization ?? 'all',
    ...(o.spinning === false ? { extra: { session: { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } } } : {}),
  };
}

/** Throws a GlimpseError unless the provider is compiled into this onnxruntime-node. */
export function checkProvider(provider: ExecutionProvider): void {
  if (provider !== 'cpu' && provider !== 'cuda') {
    throw new GlimpseError('unknown_name', `runner: unknown execution provider '${String(provider)}' (known: cpu, cuda)`);
  }
  if (provider === 'cpu') return;
  const backends = ort.listSupportedBackends();
  const names = backends.map((b) => b.name);
  const entry = backends.find((b) => b.name === provider);
  if (!entry || (!entry.bundled && !providerLibraryPresent(provider))) {
    throw new GlimpseError('not_available', `runner: the '${provider}' execution provider is not available in this onnxruntime-node build (available: ${names.join(', ')})`,
      'install onnxruntime-node with CUDA support (ONNXRUNTIME_NODE_INSTALL_CUDA=v12) or use provider cpu');
  }
}

/** True when the execution provider's shared library sits next to the onnxruntime-node binding. */
function providerLibraryPresent(provider: string): boolean {
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin');
    const lib = `libonnxruntime_providers_${provider}.so`;
    for (const napi of readdirSync(bin)) {
      if (existsSync(join(bin, napi, process.platform, process.arch, lib))) return true;
      if (existsSync(join(bin, napi, process.platform, process.arch, `onnxruntime_providers_${provider}.dll`))) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Creates one session for a model with the runner's provider and thread settings. */
export async function createSession(model: ModelSource, o: RunnerOptions = {}): Promise<ort.InferenceSession> {
  const provider = o.provider ?? 'cpu';
  checkProvider(provider);
  const opts = sessionOptions(o);
  const src = model instanceof GraphBuilder ? model.toBytes() : model;
  try {
    return typeof src === 'string' ? await ort.InferenceSession.create(src, opts) : await ort.InferenceSession.create(src, opts);
  } catch (e) {
    const what = typeof src === 'string' ? src : `${src.byteLength}-byte model`;
    const msg = describeError(e);
    if (provider !== 'cpu' && /cuda|provider|CUDA/i.test(msg)) {
      throw new GlimpseError('not_available', `runner: could not start the ${provider} execution provider for ${what}: ${msg}`, 'check the CUDA/cuDNN installation or use provider cpu', { cause: e });
    }
    throw new GlimpseError('corrupt', `runner: ONNX Runtime rejected ${what}: ${msg}`, undefined, { cause: e });
  }
}

/** The shape signature of a set of feeds: `name:dtype[d0,d1];...` in name order. */
export function shapeSignature(feeds: Readonly<Record<string, ort.Tensor>>): string {
  return Object.keys(feeds).sort().map((k) => {
    const t = feeds[k]!;
    return `${k}:${t.type}[${t.dims.join(',')}]`;
  }).join(';');
}

/** Builds the model for one signature (feed name -> dims). */
export type ModelFactory = (dims: Readonly<Record<string, readonly number[]>>, signature: string) => ModelSource | Promise<ModelSource>;

/**
 * Compiles a graph once per shape signature and caches the session (LRU, `maxSessions`).
 * `factory` may return the same symbolic graph for every signature (ONNX Runtime specialises
 * it) or a graph built for the exact shapes.
 */
export class GraphRunner {
  private readonly cache = new Map<string, Promise<ort.InferenceSession>>();
  readonly options: RunnerOptions;

  constructor(private readonly factory: ModelFactory, options: RunnerOptions = {}) {
    this.options = options;
    checkProvider(options.provider ?? 'cpu');
    sessionOptions(options);
    const m = options.maxSessions ?? 8;
    if (!Number.isInteger(m) || m < 1) throw new GlimpseError('bad_argument', `runner: maxSessions must be a positive integer, got ${m}`);
  }

  /** Number of cached sessions. */
  get size(): number {
    return this.cache.size;
  }

  /** The session for these feeds (built and cached on first use). */
  async session(feeds: Readonly<Record<string, ort.Tensor>>): Promise<ort.InferenceSession> {
    const sig = shapeSignature(feeds);
    let p = this.cache.get(sig);
    if (p) {
      this.cache.delete(sig); // refresh LRU position
      this.cache.set(sig, p);
      return p;
    }
    const dims: Record<string, readonly number[]> = {};
    for (const [k, t] of Object.entries(feeds)) dims[k] = t.dims;
    p = (async () => createSession(await this.factory(dims, sig), this.options))();
    this.cache.set(sig, p);
    p.catch(() => this.cache.delete(sig));
    while (this.cache.size > (this.options.maxSessions ?? 8)) {
      const oldest = this.cache.keys().next().value as string;
      const old = this.cache.get(oldest)!;
      this.cache.delete(oldest);
      old.then((s) => s.release()).catch(() => undefined);
    }
    return p;
  }

  /** Runs the graph; `fetches` limits the outputs (default all). */
  async run(feeds: Readonly<Record<string, ort.Tensor>>, fetches?: readonly string[]): Promise<Record<string, ort.Tensor>> {
    const s = await this.session(feeds);
    const missing = s.inputNames.filter((n) => !(n in feeds));
    if (missing.length) throw new GlimpseError('bad_argument', `runner: missing feeds ${missing.join(', ')} (the graph takes ${s.inputNames.join(', ')})`);
    const extra = Object.keys(feeds).filter((n) => !s.inputNames.includes(n));
    if (extra.length) throw new GlimpseError('bad_argument', `runner: unknown feeds ${extra.join(', ')} (the graph takes ${s.inputNames.join(', ')})`);
    try {
      const out = fetches ? await s.run(feeds as ort.InferenceSession.FeedsType, fetches as string[]) : await s.run(feeds as ort.InferenceSession.FeedsType);
      return out as Record<string, ort.Tensor>;
    } catch (e) {
      throw new GlimpseError('bad_argument', `runner: run failed: ${describeError(e)}`, undefined, { cause: e });
    }
  }

  /** Releases every cached session. */
  async release(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
  }
}
