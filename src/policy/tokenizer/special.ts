/**
 * Qwen-style special tokens of glimpse's own tokenizer, in Qwen2-VL's order, at fixed ids after
 * the 256 byte tokens and the learned merges (ids 1000–1013 of a 1024-row vocabulary).
 */
export const SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];

/** Id of the first special token (`<|endoftext|>`). */
export const FIRST_SPECIAL_ID = 1000;
/** Rows of glimpse-tiny's embedding (the tokenizer uses ids 0–1013; the rest are padding rows). */
export const TINY_VOCAB_SIZE = 1024;
/** Number of byte tokens (ids 0–255, id = byte value). */
export const BYTE_TOKENS = 256;
/** Number of learned merges (ids 256–999). */
export const TINY_MERGES = FIRST_SPECIAL_ID - BYTE_TOKENS;

/** Id of a special token. */
export function specialId(token: SpecialToken): number {
  return FIRST_SPECIAL_ID + SPECIAL_TOKENS.indexOf(token);
}
