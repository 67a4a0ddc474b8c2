/**
 * The sampling KV cache of the cached decode graph (decoder-cached.ts): per layer one key and one
 * value buffer `[batch, kv_heads, cap, head_dim]` owned here and fed to every step BY REFERENCE
 * (onnxruntime-node wraps the typed array, it does not copy it), plus the step's additive mask
 * `[batch, 1, 1, 1, cap + 1]` (cache slots, then the new token). After each run the step's
 * `new_key.i` / `new_value.i` are written into the next free slot and that slot is unmasked: a
 * few hundred floats per layer instead of the whole cache.
 *
 * The capacity grows by doubling (up to `limit`) when a sequence outgrows it, so a large
 * `maxNewTokens` costs memory only as far as the samples really go.
 */
import * as ort from 'onnxruntime-node';
import { GlimpseError } from '../../util/errors.js';
import { MASKED } from './rope.js';

type Outputs = Record<string, ort.Tensor>;

/** Additive mask `[1, 1, 1, P, 1 + P]` of the prefill: the one dummy cache slot masked, causal over the prompt. */
export function prefillMask(P: number): Float32Array {
  const total = 1 + P;
  const m = new Float32Array(P * total).fill(MASKED);
  for (let i = 0; i < P; i++) m.fill(0, i * total + 1, i * total + 2 + i);
  return m;
}

export class KvCache {
  /** Slots per sequence. */
  cap: number;
  /** Slots filled (the same for every sequence of the batch). */
  length = 0;
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  private mask = new Float32Array(0);
  private tensors?: Record<string, ort.Tensor>;

  /**
   * @param layers decoder layers; @param batch sequences; @param kvHeads key/value heads;
   * @param cap initial slots; @param headDim head width; @param limit most slots ever needed.
   */
  constructor(readonly layers: number, readonly batch: number, readonly kvHeads: number, cap: number, readonly headDim: number, readonly limit = cap) {
    if (!(Number.isInteger(cap) && cap >= 1 && limit >= cap)) throw new GlimpseError('bad_argument', `KvCache: capacity ${cap} (limit ${limit}) must be a positive integer no larger than the limit`);
    this.cap = 0;
    this.resize(cap);
  }

  private resize(cap: number): void {
    const { layers, batch, kvHeads: KV, headDim: hd } = this;
    const old = { keys: this.keys, values: this.values, cap: this.cap };
    const copy = (src: Float32Array | undefined) => {
      const dst = new Float32Array(batch * KV * cap * hd);
      if (src) for (let r = 0; r < batch * KV; r++) dst.set(src.subarray(r * old.cap * hd, (r * old.cap + this.length) * hd), r * cap * hd);
      return dst;
    };
    this.keys = Array.from({ length: layers }, (_, i) => copy(old.keys[i]));
    this.values = Array.from({ length: layers }, (_, i) => copy(old.values[i]));
    this.mask = new Float32Array(batch * (cap + 1)).fill(MASKED);
    for (let b = 0; b < batch; b++) {
      this.mask.fill(0, b * (cap + 1), b * (cap + 1) + this.length);
      this.mask[b * (cap + 1) + cap] = 0; // the token of the step itself
    }
    this.cap = cap;
    this.tensors = undefined;
  }

  /** Grows (doubling, up to the limit) so that slot `slot` exists. */
  ensure(slot: number): void {
    if (slot < this.cap) return;
    if (slot >= this.limit) throw new GlimpseError('bad_argument', `KvCache: slot ${slot} is beyond the limit of ${this.limit}`);
    this.resize(Math.min(this.limit, Math.max(slot + 1, this.cap * 2)));
  }

  /** The cache and mask feeds of a step (`cache_key.i`, `cache_value.i`, `attn_mask`); the same tensor objects until the cache grows. */
  feeds(): Record<string, ort.Tensor> {
    if (this.tensors) return this.tensors;
    const dims = [this.batch, this.kvHeads, this.cap, this.headDim];
    const t: Record<string, ort.Tensor> = { attn_mask: new ort.Tensor('float32', this.mask, [this.batch, 1, 1, 1, this.cap + 1]) };
    for (let i = 0; i < this.layers; i++) {
      t[`cache_key.${i}`] = new ort.Tensor('float32', this.keys[i]!, dims);
      t[`cache_value.${i}`] = new ort.Tensor('float32', this.values[i]!, dims);
    }
    return (this.tensors = t);
  }

  /** Appends `new_key.i` / `new_value.i [rows, kv, seq, hd]` (rows = 1 is replicated to every sequence) at slot `length`. */
  append(r: Outputs): void {
    const { batch, kvHeads: KV, headDim: hd } = this;
    const first = r['new_key.0'];
    if (!first) throw new GlimpseError('bad_input', 'KvCache: the decode outputs have no new_key.0');
    const [rows, , seq] = first.dims as number[];
    if ((rows !== 1 && rows !== batch) || !seq) throw new GlimpseError('bad_input', `KvCache: new keys of dims [${first.dims.join(', ')}] for a batch of ${batch}`);
    this.ensure(this.length + seq - 1);
    const cap = this.cap;
    const at = this.length;
    for (let i = 0; i < this.layers; i++) {
      for (const [name, dst] of [[`new_key.${i}`, this.keys[i]!], [`new_value.${i}`, this.values[i]!]] as const) {
        const src = r[name]!.data as Float32Array;
        for (let b = 0; b < batch; b++) {
          const sb = rows === 1 ? 0 : b;
          for (let h = 0; h < KV; h++) {
            const from = (sb * KV + h) * seq * hd;
            dst.set(src.subarray(from, from + seq * hd), ((b * KV + h) * cap + at) * hd);
          }
        }
      }
    }
    for (let b = 0; b < batch; b++) this.mask.fill(0, b * (cap + 1) + at, b * (cap + 1) + at + seq);
    this.length = at + seq;
  }
}
