/**
 * format.think_answer — 1 when the completion follows the reasoning protocol, else 0 (with the
 * reason). The protocol is an ordered `sequence` of tags, `think, answer` by default
 * (`observe, think, answer` for Observe-R1; `think, rethink, answer` for GRIT).
 *
 * - `mode: strict` (default): exactly one section per tag, in order, with only whitespace around
 *   and between them; every section non-empty except an empty `<think>` (TON's "no thinking"
 *   mode, `<think>\n\n</think>`), which passes while `allow_empty_think` is true.
 * - `mode: lenient`: the tags appear in order (first occurrences), other text is allowed around
 *   them; sections must still be closed and not nested.
 * - `variant: vlm-r1`: VLM-R1's REC format reward exactly: 1 when
 *   `<think>.*?</think>\s*<answer>.*?\{.*\[\d+,\s*\d+,\s*\d+,\s*\d+\].*\}.*?</answer>` is found
 *   (Python re.search, DOTALL), evaluated in linear time by an equivalent scan.
 * - `variant: visual-rft`: Visual-RFT's format reward exactly: 1 when the whole completion matches
 *   `<think>.*?</think>\s*<answer>.*?</answer>` (re.fullmatch, DOTALL).
 */
import { z } from 'zod';
import { sections } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { memoByParams, textOf } from '../shared/text.js';
import type { RewardInput, RewardResult } from '../types.js';

const tagName = z.string().regex(/^[A-Za-z_][\w-]{0,31}$/, 'a tag name: letters, digits, _ or -');

export const ThinkAnswerParams = z
  .object({
    mode: z.enum(['strict', 'lenient']).default('strict').describe('strict: only the sections, each once; lenient: the tags in order, other text allowed'),
    sequence: z.array(tagName).min(1).default(['think', 'answer']).describe('ordered tags; Observe-R1: [observe, think, answer]; GRIT: [think, rethink, answer]'),
    allow_empty_think: z.boolean().default(true).describe('an empty <think></think> passes (TON, Wang et al. 2025: "no thinking" mode)'),
    variant: z.enum(['glimpse', 'vlm-r1', 'visual-rft']).default('glimpse').describe('vlm-r1 / visual-rft reproduce those papers\' format regexes exactly'),
  })
  .strict();
export type ThinkAnswerParams = z.infer<typeof ThinkAnswerParams>;

const WS = /^\s*$/;
// Python's `\s` and `\d` (str patterns) are Unicode-aware: reproduce them for the published variants.
const PY_SPACE = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_SPACE_RE = new RegExp(PY_SPACE);
const VLM_R1_BOX = new RegExp(String.raw`\[(\p{Nd}+),${PY_SPACE}*(\p{Nd}+),${PY_SPACE}*(\p{Nd}+),${PY_SPACE}*(\p{Nd}+)\]`, 'gu');
// The same pattern restricted to ASCII, used when the text after `{` is pure ASCII (the common case; no 'u' flag, faster).
const VLM_R1_BOX_ASCII = /\[(\d+),[\t\n\x0b\x0c\r\x1c-\x1f ]*(\d+),[\t\n\x0b\x0c\r\x1c-\x1f ]*(\d+),[\t\n\x0b\x0c\r\x1c-\x1f ]*(\d+)\]/g;
const NON_ASCII = /[^\x00-\x7f]/g;

/** Python's str.isspace() for the character at `i` (what `\s` matches in Python 3 str patterns). */
function pyIsSpaceAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 128) return c === 32 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
  return PY_SPACE_RE.test(s[i]!);
}

/**
 * VLM-R1's `<think>.*?</think>\s*<answer>.*?\{.*\[\d+,\s*\d+,\s*\d+,\s*\d+\].*\}.*?</answer>`
 * (search, DOTALL) decided by a greedy earliest-position scan: the pattern is a chain of
 * sub-patterns separated by `.*`, so the earliest match of each link is optimal.
 */
export function vlmR1FormatMatch(s: string): boolean {
  // earliest `</think>\s*<answer>` that has a `<think>` ending at or before it
  const firstOpen = s.indexOf('<think>');
  if (firstOpen < 0) return false;
  let from = firstOpen + 7;
  let answerEnd = -1;
  for (;;) {
    const close = s.indexOf('</think>', from);
    if (close < 0) return false;
    let i = close + 8;
    while (i < s.length && pyIsSpaceAt(s, i)) i++;
    if (s.startsWith('<answer>', i)) {
      answerEnd = i + 8;
      break;
    }
    from = close + 1;
  }
  const brace = s.indexOf('{', answerEnd);
  if (brace < 0) return false;
  NON_ASCII.lastIndex = brace + 1;
  const re = NON_ASCII.test(s) ? VLM_R1_BOX : VLM_R1_BOX_ASCII;
  re.lastIndex = brace + 1;
  const box = re.exec(s);
  if (!box) return false;
  const closeBrace = s.indexOf('}', box.index + box[0].length);
  if (closeBrace < 0) return false;
  return s.indexOf('</answer>', closeBrace + 1) >= 0;
}

/** Visual-RFT's `re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", s, re.DOTALL)`. */
export function visualRftFormatMatch(s: string): boolean {
  if (!s.startsWith('<think>') || !s.endsWith('</answer>')) return false;
  const limit = s.length - 9; // the final </answer>
  let from = 7;
  for (;;) {
    const close = s.indexOf('</think>', from);
    if (close < 0 || close + 8 > limit) return false;
    let i = close + 8;
    while (i < limit && pyIsSpaceAt(s, i)) i++;
    if (s.startsWith('<answer>', i) && i + 8 <= limit) return true;
    from = close + 1;
  }
}

/** True when s[from, to) is only whitespace (as JS `\s` for ASCII; other characters via WS). */
function blank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 128) return false;
    return WS.test(s.slice(i, to));
  }
  return true;
}

function strictCheck(s: string, p: ThinkAnswerParams): RewardResult {
  const r = sections(s, p.sequence);
  if (!r.ok) return { score: 0, reason: r.reason };
  const secs = r.value;
  const names = secs.map((x) => x.name);
  if (names.length !== p.sequence.length || names.some((n, i) => n !== p.sequence[i])) {
    return { score: 0, reason: `expected sections ${p.sequence.map((t) => `<${t}>`).join(' ')}, found ${names.map((t) => `<${t}>`).join(' ')}` };
  }
  let prev = 0;
  for (const sec of secs) {
    if (!blank(s, prev, sec.start)) return { score: 0, reason: `text outside the sections before <${sec.name}>` };
    prev = sec.end;
    if (blank(s, sec.innerStart, sec.innerEnd) && !(sec.name === 'think' && p.allow_empty_think)) {
      return { score: 0, reason: `empty <${sec.name}>` };
    }
  }
  if (!blank(s, prev, s.length)) return { score: 0, reason: `text after </${p.sequence[p.sequence.length - 1]}>` };
  return { score: 1 };
}

function lenientCheck(s: string, p: ThinkAnswerParams): RewardResult {
  const r = sections(s, p.sequence);
  if (!r.ok) return { score: 0, reason: r.reason };
  let k = 0;
  for (const sec of r.value) {
    if (k < p.sequence.length && sec.name === p.sequence[k]) {
      const empty = blank(s, sec.innerStart, sec.innerEnd);
      if (empty && !(sec.name === 'think' && p.allow_empty_think)) return { score: 0, reason: `empty <${sec.name}>` };
      k++;
    }
  }
  if (k < p.sequence.length) return { score: 0, reason: `no <${p.sequence[k]}> section after ${k ? `</${p.sequence[k - 1]}>` : 'the start'}` };
  return { score: 1 };
}

function scorer(p: ThinkAnswerParams): (input: RewardInput) => RewardResult {
  if (p.variant === 'vlm-r1') return (input) => (vlmR1FormatMatch(textOf(input?.completion)) ? { score: 1 } : { score: 0, reason: 'does not match the VLM-R1 format regex' });
  if (p.variant === 'visual-rft') return (input) => (visualRftFormatMatch(textOf(input?.completion)) ? { score: 1 } : { score: 0, reason: 'does not match the Visual-RFT format regex' });
  const check = p.mode === 'strict' ? strictCheck : lenientCheck;
  return (input) => check(textOf(input?.completion), p);
}

const memoScorer = memoByParams(scorer);

export const thinkAnswerReward = registerReward<ThinkAnswerParams>({
  name: 'format.think_answer',
  description: '1 when the completion is <think>…</think><answer>…</answer> (or the configured tag sequence), else 0 with the reason',
  paper: 'DeepSeek-R1 format reward; TON (empty think); VLM-R1 (Shen et al. 2025) and Visual-RFT (Liu et al. 2025) variants',
  range: [0, 1],
  params: ThinkAnswerParams as z.ZodType<ThinkAnswerParams>,
  compile: (p) => scorer(p),
  score: (input, p) => memoScorer(p)(input),
  examples: [
    { completion: '<think>It is on the left.</think>\n<answer>B</answer>', answer: {}, score: 1 },
    { completion: '<think>\n\n</think>\n<answer>B</answer>', answer: {}, score: 1, note: 'TON empty think' },
    { completion: 'Sure! <think>x</think><answer>B</answer>', answer: {}, score: 0, note: 'strict: text outside' },
    { completion: 'Sure! <think>x</think> so <answer>B</answer> done', answer: {}, params: { mode: 'lenient' }, score: 1 },
    { completion: '<observe>a cat</observe><think>x</think><answer>B</answer>', answer: {}, params: { sequence: ['observe', 'think', 'answer'] }, score: 1 },
    { completion: '<think>x</think><answer></answer>', answer: {}, score: 0, note: 'empty answer' },
    { completion: 'ok <think>r</think> <answer>{"bbox_2d": [1, 2, 3, 4]}</answer>', answer: {}, params: { variant: 'vlm-r1' }, score: 1 },
    { completion: '<think>r</think><answer>{"bbox_2d": [1.5, 2, 3, 4]}</answer>', answer: {}, params: { variant: 'vlm-r1' }, score: 0 },
    { completion: '<think>r</think>\n<answer>[{"Position": [1, 2, 3, 4]}]</answer>', answer: {}, params: { variant: 'visual-rft' }, score: 1 },
    { completion: '<think>r</think>\n<answer>x</answer>\n', answer: {}, params: { variant: 'visual-rft' }, score: 0 },
  ],
});
