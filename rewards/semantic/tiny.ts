/**
 * A TINY CLIP in exactly the folder layout transformers.js loads (`config.json` with
 * `model_type: "clip"`, `preprocessor_config.json`, `tokenizer.json` + `tokenizer_config.json`,
 * `onnx/text_model.onnx` and `onnx/vision_model.onnx`), built with glimpse's own graph builder.
 * Used by the tests and the benchmark so the real loading path (transformers.js → ONNX Runtime)
 * is what is exercised, without downloads.
 *
 * The model is a colour detector, so similarities mean something in tests:
 * - text: word embeddings (a WordPiece vocabulary of colour words; every other word embeds to 0),
 *   mean-pooled under the attention mask, then a linear projection (identity) → `text_embeds [B, 3]`;
 * - vision: pixels (CLIP-normalised) mean-pooled per channel → `image_embeds [B, 3]`.
 * "red" embeds to (1, −1, −1), which is what a pure red image becomes after CLIP-style
 * normalisation with mean = std = 0.5, so `cos("a red circle", red image) ≈ 1`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/policy/graph/index.js';

/** Colour words of the tiny vocabulary and their (R, G, B) embedding in the normalised [-1, 1] cube. */
export const TINY_COLOURS: Record<string, [number, number, number]> = {
  red: [1, -1, -1],
  green: [-1, 1, -1],
  blue: [-1, -1, 1],
  yellow: [1, 1, -1],
  cyan: [-1, 1, 1],
  magenta: [1, -1, 1],
  white: [1, 1, 1],
  black: [-1, -1, -1],
};

/** Builds the tiny text graph: input_ids/attention_mask int64 [batch, seq] → text_embeds [batch, 3]. */
function textGraph(vocab: string[], output: string): Uint8Array {
  const g = new GraphBuilder({ opset: 18 });
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const table = new Float32Array(vocab.length * 3);
  vocab.forEach((w, i) => {
    const c = TINY_COLOURS[w];
    if (c) table.set(c, i * 3);
  });
  const emb = g.gather(g.initializer('embed', table, [vocab.length, 3]), ids); // [B, S, 3]
  const m = g.unsqueeze(g.cast(mask, 'float32'), [2]); // [B, S, 1]
  const summed = g.reduceSum(g.mul(emb, m), [1], false); // [B, 3]
  const count = g.max(g.reduceSum(m, [1], false), 1); // [B, 1]
  const pooled = g.div(summed, count);
  const proj = g.initializer('proj', new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3]);
  g.output(output, g.matmul(pooled, proj));
  return g.toBytes();
}

/** Builds the tiny vision graph: pixel_values float32 [batch, 3, H, W] → image_embeds [batch, 3]. */
function visionGraph(outputs: string[]): Uint8Array {
  const g = new GraphBuilder({ opset: 18 });
  const px = g.input('pixel_values', 'float32', ['batch', 3, 'height', 'width']);
  const pooled = g.reduceMean(px, [2, 3], false); // [B, 3]
  const proj = g.initializer('proj', new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3]);
  const embeds = g.matmul(pooled, proj);
  for (const name of outputs) g.output(name, name === 'last_hidden_state' ? g.unsqueeze(embeds, [1]) : embeds); // [B, 1, 3]: the CLS token
  return g.toBytes();
}

/**
 * Writes the tiny model to `dir` (created); returns `dir`. Takes well under a second.
 * `kind`: `clip` (default; outputs text_embeds / image_embeds), `siglip` (same files, outputs
 * pooler_output) or `dinov2` (vision only: onnx/model.onnx, outputs last_hidden_state [B, 1, 3]
 * and pooler_output).
 */
export function writeTinyClip(dir: string, opts: { imageSize?: number; kind?: 'clip' | 'siglip' | 'dinov2' } = {}): string {
  const size = opts.imageSize ?? 32;
  const kind = opts.kind ?? 'clip';
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const extra = ['a', 'photo', 'depicts', 'of', 'the', 'circle', 'square', 'bicycle', 'car', 'dog', 'cat'];
  const vocab = ['[PAD]', '[UNK]', ...Object.keys(TINY_COLOURS), ...extra];
  const vocabMap = Object.fromEntries(vocab.map((w, i) => [w, i]));
  const files: Record<string, unknown> = {
    'config.json': {
      model_type: kind,
      architectures: [kind === 'clip' ? 'CLIPModel' : kind === 'siglip' ? 'SiglipModel' : 'Dinov2Model'],
      projection_dim: 3,
      text_config: { model_type: 'clip_text_model', hidden_size: 3, vocab_size: vocab.length, max_position_embeddings: 77 },
      vision_config: { model_type: 'clip_vision_model', hidden_size: 3, image_size: size, patch_size: size },
      'transformers.js_config': { dtype: 'fp32' },
    },
    'preprocessor_config.json': {
      image_processor_type: 'CLIPImageProcessor',
      feature_extractor_type: 'CLIPFeatureExtractor',
      do_resize: true,
      size: { shortest_edge: size },
      do_center_crop: true,
      crop_size: { height: size, width: size },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      do_convert_rgb: true,
      resample: 2,
    },
    'tokenizer.json': {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        { id: 0, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        { id: 1, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      ],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: vocabMap },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'PreTrainedTokenizer',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      model_max_length: 77,
      do_lower_case: true,
    },
  };
  if (kind === 'dinov2') {
    delete files['tokenizer.json'];
    delete files['tokenizer_config.json'];
  }
  for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(value, null, 1));
  if (kind === 'dinov2') {
    writeFileSync(join(dir, 'onnx', 'model.onnx'), visionGraph(['last_hidden_state', 'pooler_output']));
    return dir;
  }
  writeFileSync(join(dir, 'onnx', 'text_model.onnx'), textGraph(vocab, kind === 'clip' ? 'text_embeds' : 'pooler_output'));
  writeFileSync(join(dir, 'onnx', 'vision_model.onnx'), visionGraph([kind === 'clip' ? 'image_embeds' : 'pooler_output']));
  return dir;
}
