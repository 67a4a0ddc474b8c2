import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  byteChar,
  fromByteLevel,
  glimpseBpe,
  loadTokenizer,
  SPECIAL_TOKENS,
  specialId,
  splitWords,
  toByteLevel,
  tokenizerJson,
  trainByteLevelBpe,
  writeTokenizerFolder,
  type HfTokenizer,
} from '../../../../src/policy/tokenizer/index.js';
import { glimpseTinyConfig } from '../../../../src/policy/model/config.js';

let dir: string;
let tok: HfTokenizer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-tok-'));
  await writeTokenizerFolder(join(dir, 'glimpse-tiny'));
  tok = await loadTokenizer(join(dir, 'glimpse-tiny'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('byte-level alphabet and BPE training', () => {
  it('maps the 256 bytes to 256 distinct printable characters (GPT-2 alphabet)', () => {
    const chars = new Set(Array.from({ length: 256 }, (_, b) => byteChar(b)));
    expect(chars.size).toBe(256);
    expect(byteChar(32)).toBe('Ġ');
    expect(byteChar(10)).toBe('Ċ');
    expect(byteChar(65)).toBe('A');
    expect(byteChar(0)).toBe('Ā');
    expect(toByteLevel('é')).toBe('Ã©');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(fromByteLevel(toByteLevel(s))).toBe(s);
      }),
    );
  });

  it('splits like Qwen2 (single digits, letters with one leading space or symbol, contractions)', () => {
    expect(splitWords("I'm at 2024, ok?\n\n  Done")).toEqual(['I', "'m", ' at', ' ', '2', '0', '2', '4', ',', ' ok', '?\n\n', ' ', ' Done']);
  });

  it('learns merges by frequency with deterministic tie-breaking (hand-computed)', () => {
    // "aaab": pairs aa×2, ab×1 -> "aa"; then (aa,a) and (a,b) tie at 1 -> "aaa" < "ab" -> "aaa"; then "aaab"
    const m = trainByteLevelBpe(['aaab'], 3);
    expect(m.tokens.slice(256)).toEqual(['aa', 'aaa', 'aaab']);
    expect(m.merges).toEqual([
      ['a', 'a'],
      ['aa', 'a'],
      ['aaa', 'b'],
    ]);
    // stops when every pre-token is a single token
    expect(trainByteLevelBpe(['ab ab'], 50).tokens.slice(256)).toEqual(['ab', 'Ġab']);
    expect(() => trainByteLevelBpe(['x'], -1)).toThrow(/newTokens/);
    expect(trainByteLevelBpe([], 5).tokens.length).toBe(256);
  });

  it('glimpse-tiny BPE: exactly 744 merged tokens, all distinct, deterministic', () => {
    const m = glimpseBpe();
    expect(m.tokens.length).toBe(1000);
    expect(new Set(m.tokens).size).toBe(1000);
    expect(trainByteLevelBpe(['the cat', 'the hat'], 4)).toEqual(trainByteLevelBpe(['the cat', 'the hat'], 4));
    const json = tokenizerJson() as { model: { vocab: Record<string, number>; merges: string[] }; added_tokens: Array<{ id: number; content: string }> };
    expect(Object.keys(json.model.vocab).length).toBe(1000);
    expect(json.added_tokens.map((t) => t.id)).toEqual(SPECIAL_TOKENS.map((_, i) => 1000 + i));
    expect(json.model.merges.every((s) => s.split(' ').length === 2)).toBe(true);
  });
});

// The same tokenizer.json was checked once against Hugging Face's Rust `tokenizers` 0.23
// (python/tokenizers_crosscheck.py): identical ids and lossless decoding on 208 strings (ASCII,
// CJK, emoji, accents, special tokens, whitespace runs).
describe('glimpse tokenizer through @huggingface/transformers (local folder, offline)', () => {
  it('loads with AutoTokenizer from env.localModelPath with remote models off', async () => {
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    const saved = { remote: env.allowRemoteModels, local: env.localModelPath };
    env.allowRemoteModels = false;
    env.localModelPath = dirname(join(dir, 'glimpse-tiny'));
    try {
      const t = await AutoTokenizer.from_pretrained(basename(join(dir, 'glimpse-tiny')));
      expect(t.encode('the answer')).toEqual(tok.encode('the answer'));
    } finally {
      env.allowRemoteModels = saved.remote;
      env.localModelPath = saved.local;
    }
  });

  it('special tokens are single ids matching the glimpse-tiny config', () => {
    const cfg = glimpseTinyConfig();
    expect(tok.encode('<|image_pad|>')).toEqual([cfg.tokens.imageTokenId]);
    expect(tok.encode('<|vision_start|><|vision_end|>')).toEqual([cfg.tokens.visionStartTokenId, cfg.tokens.visionEndTokenId]);
    for (const s of SPECIAL_TOKENS) expect(tok.encode(s)).toEqual([specialId(s)]);
    expect((tok as unknown as { eos_token_id: number }).eos_token_id).toBe(cfg.tokens.eosTokenIds[0]);
    expect((tok as unknown as { pad_token_id: number }).pad_token_id).toBe(specialId('<|endoftext|>'));
  });

  it('uses the learned merges (common words are one token; bytes keep their ids)', () => {
    const vocab = (tokenizerJson() as { model: { vocab: Record<string, number> } }).model.vocab;
    expect(tok.encode(' the')).toEqual([vocab['Ġthe']]);
    expect(tok.encode('answer')).toEqual([vocab['answer']]);
    expect(tok.encode('!')).toEqual([33]);
    expect(tok.encode('\u0000')).toEqual([0]);
    // digits are always split one by one
    expect(tok.encode('2024')).toEqual([50, 48, 50, 52]);
  });

  it('round-trips any text through encode/decode (property: unicode, emoji, control bytes)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        const norm = s.normalize('NFC');
        const ids = tok.encode(norm);
        expect(ids.every((i) => Number.isInteger(i) && i >= 0 && i < 1014)).toBe(true);
        // (transformers.js refuses to decode an empty id list)
        if (norm === '') expect(ids).toEqual([]);
        else expect(tok.decode(ids)).toBe(norm);
      }),
      { numRuns: 150 },
    );
    const mixed = 'Hello <|im_start|>user\n[12, 34] Ünïcödé 猫 🐱 \t\r\n<|im_end|>';
    expect(tok.decode(tok.encode(mixed))).toBe(mixed);
    expect(tok.decode(tok.encode(mixed), { skip_special_tokens: true })).toBe('Hello user\n[12, 34] Ünïcödé 猫 🐱 \t\r\n');
  });

  it('handles empty and 1 MB inputs', () => {
    expect(tok.encode('')).toEqual([]);
    const big = 'The red car is on the left. '.repeat(37_500); // ~1 MB
    const ids = tok.encode(big);
    expect(ids.length).toBeGreaterThan(100_000);
    expect(ids.length).toBeLessThan(big.length / 2);
    expect(tok.decode(ids)).toBe(big);
  });

  it('applies the Qwen2-VL chat template with an image', () => {
    const messages = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Where is the cat?' }] },
      { role: 'assistant', content: '<answer>left</answer>' },
      { role: 'user', content: 'Sure?' },
    ];
    const text = tok.apply_chat_template(messages as never, { tokenize: false, add_generation_prompt: true }) as string;
    expect(text).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' +
        '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Where is the cat?<|im_end|>\n' +
        '<|im_start|>assistant\n<answer>left</answer><|im_end|>\n' +
        '<|im_start|>user\nSure?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    const ids = tok.apply_chat_template(messages as never, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false }) as unknown as number[];
    expect(ids.filter((i) => i === specialId('<|image_pad|>')).length).toBe(1);
    expect(tok.decode(ids)).toBe(text);
    // own system prompt, video, and vision ids
    const withSystem = tok.apply_chat_template(
      [
        { role: 'system', content: 'Think first.' },
        { role: 'user', content: [{ type: 'image' }, { type: 'video' }, { type: 'image' }] },
      ] as never,
      { tokenize: false, add_vision_id: true } as never,
    ) as unknown as string;
    expect(withSystem).toBe(
      '<|im_start|>system\nThink first.<|im_end|>\n<|im_start|>user\nPicture 1: <|vision_start|><|image_pad|><|vision_end|>Video 1: <|vision_start|><|video_pad|><|vision_end|>Picture 2: <|vision_start|><|image_pad|><|vision_end|><|im_end|>\n',
    );
  });

  it('missing or broken folders are clear errors', async () => {
    await expect(loadTokenizer(join(dir, 'nope'))).rejects.toMatchObject({ code: 'not_found' });
    const half = join(dir, 'half');
    mkdirSync(half);
    writeFileSync(join(half, 'tokenizer.json'), '{}');
    await expect(loadTokenizer(half)).rejects.toThrow(/no tokenizer_config.json/);
    writeFileSync(join(half, 'tokenizer_config.json'), '{');
    await expect(loadTokenizer(half)).rejects.toMatchObject({ code: 'corrupt' });
    expect(JSON.parse(readFileSync(join(dir, 'glimpse-tiny', 'chat_template.json'), 'utf8')).chat_template).toContain('<|image_pad|>');
  });
});
