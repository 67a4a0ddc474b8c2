/**
 * glimpse's own tokenizer for glimpse-tiny: byte-level BPE (256 byte tokens + 744 merges learned
 * from the built-in corpus, ids 0–999) with Qwen2-VL's special tokens at ids 1000–1013, written as
 * a Hugging Face tokenizer folder (`tokenizer.json`, `tokenizer_config.json`, `chat_template.json`)
 * in Qwen2's layout (NFC normaliser, Qwen split regex + ByteLevel pre-tokenizer, ByteLevel
 * decoder), so transformers, transformers.js and tokenizers load it as a `Qwen2Tokenizer`.
 */
import { join } from 'node:path';
import { GlimpseError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { QWEN2VL_CHAT_TEMPLATE } from './chat-template.js';
import { builtinCorpus } from './corpus.js';
import { QWEN_SPLIT_PATTERN } from './pretokenize.js';
import { FIRST_SPECIAL_ID, SPECIAL_TOKENS, TINY_MERGES } from './special.js';
import { trainByteLevelBpe, type BpeModel } from './train.js';

let cached: BpeModel | null = null;

/** The learned BPE of glimpse-tiny (trained once per process, ~0.2 s). */
export function glimpseBpe(): BpeModel {
  if (!cached) {
    const m = trainByteLevelBpe(builtinCorpus(), TINY_MERGES);
    if (m.tokens.length !== 256 + TINY_MERGES) throw new GlimpseError('internal', `glimpse tokenizer: corpus yields ${m.tokens.length - 256} merged tokens, need ${TINY_MERGES}`);
    cached = m;
  }
  return cached;
}

const BYTE_LEVEL = { add_prefix_space: false, trim_offsets: false, use_regex: false };

/** `tokenizer.json` content (Hugging Face tokenizers format, version 1.0). */
export function tokenizerJson(bpe: BpeModel = glimpseBpe()): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  bpe.tokens.forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, i) => ({ id: FIRST_SPECIAL_ID + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN_SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', ...BYTE_LEVEL },
      ],
    },
    post_processor: { type: 'ByteLevel', ...BYTE_LEVEL },
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: bpe.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** `tokenizer_config.json` content (Qwen2-VL style, with the chat template). */
export function tokenizerConfigJson(opts: { modelMaxLength?: number } = {}): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  SPECIAL_TOKENS.forEach((content, i) => {
    decoder[String(FIRST_SPECIAL_ID + i)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  });
  return {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: SPECIAL_TOKENS.filter((t) => t !== '<|endoftext|>'),
    bos_token: null,
    chat_template: QWEN2VL_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: opts.modelMaxLength ?? 4096,
    pad_token: '<|endoftext|>',
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  };
}

/**
 * Writes the tokenizer folder files into `dir` (atomically each): `tokenizer.json`,
 * `tokenizer_config.json`, `chat_template.json`. Returns the file names.
 */
export async function writeTokenizerFolder(dir: string, opts: { modelMaxLength?: number } = {}): Promise<string[]> {
  const files: Array<[string, unknown]> = [
    ['tokenizer.json', tokenizerJson()],
    ['tokenizer_config.json', tokenizerConfigJson(opts)],
    ['chat_template.json', { chat_template: QWEN2VL_CHAT_TEMPLATE }],
  ];
  for (const [name, body] of files) await writeFileAtomic(join(dir, name), JSON.stringify(body, null, 2) + '\n');
  return files.map(([n]) => n);
}
