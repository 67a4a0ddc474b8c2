/**
 * Byte-level BPE training (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with
 * Subword Units"; byte-level variant of GPT-2): start from the 256 byte tokens and repeatedly merge
 * the most frequent adjacent pair inside pre-tokens. Ties break towards the pair whose merged
 * string sorts first, so training is deterministic.
 */
import { GlimpseError } from '../../util/errors.js';
import { byteChar } from './bytes.js';
import { splitWords } from './pretokenize.js';

export interface BpeModel {
  /** Token strings by id: ids 0–255 are the bytes (alphabet characters), then one per merge. */
  tokens: string[];
  /** Merges in priority order, as pairs of token strings. */
  merges: Array<[string, string]>;
}

/**
 * Learns merges from `texts` until `newTokens` tokens beyond the 256 bytes exist. A merge whose
 * string is already a token (e.g. "ab"+"c" after "a"+"bc") is kept as a merge but adds no token,
 * as in Hugging Face's BpeTrainer. Stops early when no pair is left (every pre-token is one
 * token); the caller checks `tokens.length`.
 */
export function trainByteLevelBpe(texts: readonly string[], newTokens: number): BpeModel {
  if (!Number.isInteger(newTokens) || newTokens < 0) throw new GlimpseError('bad_argument', `trainByteLevelBpe: newTokens must be a non-negative integer, got ${newTokens}`);
  const tokens: string[] = [];
  for (let b = 0; b < 256; b++) tokens.push(byteChar(b));
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  // Unique pre-tokens with counts, as arrays of token ids.
  const counts = new Map<string, number>();
  const enc = new TextEncoder();
  for (const text of texts) for (const w of splitWords(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [w, c] of counts) {
    words.push(Array.from(enc.encode(w)));
    freq.push(c);
  }
  const merges: Array<[string, string]> = [];
  while (tokens.length < 256 + newTokens) {
    const pairs = new Map<number, number>(); // key a * 65536 + b
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const f = freq[i]!;
      for (let k = 0; k + 1 < w.length; k++) {
        const key = w[k]! * 65536 + w[k + 1]!;
        pairs.set(key, (pairs.get(key) ?? 0) + f);
      }
    }
    if (pairs.size === 0) break;
    let bestKey = -1;
    let bestCount = -1;
    let bestStr = '';
    for (const [key, c] of pairs) {
      if (c < bestCount) continue;
      const s = tokens[Math.floor(key / 65536)]! + tokens[key % 65536]!;
      if (c > bestCount || s < bestStr) {
        bestKey = key;
        bestCount = c;
        bestStr = s;
      }
    }
    const a = Math.floor(bestKey / 65536);
    const b = bestKey % 65536;
    let id = idOf.get(bestStr);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(bestStr);
      idOf.set(bestStr, id);
    }
    merges.push([tokens[a]!, tokens[b]!]);
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w.length < 2) continue;
      const out: number[] = [];
      for (let k = 0; k < w.length; k++) {
        if (k + 1 < w.length && w[k] === a && w[k + 1] === b) {
          out.push(id);
          k++;
        } else out.push(w[k]!);
      }
      words[i] = out;
    }
  }
  return { tokens, merges };
}
