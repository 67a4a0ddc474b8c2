/**
 * Qwen2's pre-tokenizer split (tokenizer.json `Split` pattern): contractions, letters with one
 * leading non-letter, single digits, punctuation runs, newlines and spaces. {@link QWEN_SPLIT_PATTERN}
 * is written into tokenizer.json as is; {@link splitWords} is the same pattern in JavaScript syntax
 * (no inline `(?i:)` groups), used when learning merges.
 */
export const QWEN_SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const JS_SPLIT = /'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Splits text into pre-tokens (the pieces BPE merges never cross). */
export function splitWords(text: string): string[] {
  return text.normalize('NFC').match(JS_SPLIT) ?? [];
}
