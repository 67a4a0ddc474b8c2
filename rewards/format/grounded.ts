/**
 * format.grounded — grounded reasoning in the style of GRIT (Fan et al. 2025): boxes cited inside
 * the reasoning, before any `<rethink>`, plus a well-formed think → (rethink) → answer structure.
 *
 *   score = 0.5 · [at least `min_boxes` boxes in the reasoning] + 0.5 · [structure is well formed]
 *
 * The first term is GRIT's grounded-region reward (0.5 when a `\d+,\s*\d+,\s*\d+,\s*\d+` box
 * appears in the reasoning; `box_pattern: any` accepts every convention of rewards/parse). The
 * second term is glimpse's: `<think>` then optionally `<rethink>` then `<answer>`, each once, in
 * order, closed, the answer non-empty. Boxes in the chain are not compared with ground truth
 * (visual-faithfulness rewards do that).
 */
import { z } from 'zod';
import { parseBoxes, sections } from '../parse/index.js';
import { registerReward } from '../registry.js';
import { textOf } from '../shared/text.js';
import type { RewardResult } from '../types.js';

export const GroundedParams = z
  .object({
    min_boxes: z.number().int().min(1).max(100).default(1).describe('boxes the reasoning must cite (GRIT: 1)'),
    box_pattern: z.enum(['grit', 'any']).default('grit').describe("grit: GRIT's `\\d+,\\s*\\d+,\\s*\\d+,\\s*\\d+`; any: every box convention of rewards/parse"),
    reasoning_tag: z.string().regex(/^[A-Za-z_][\w-]{0,31}$/).default('think').describe('the tag holding the reasoning'),
    rethink_tag: z.string().regex(/^[A-Za-z_][\w-]{0,31}$/).default('rethink').describe('boxes after this tag do not count (GRIT)'),
  })
  .strict();
export type GroundedParams = z.infer<typeof GroundedParams>;

const GRIT_BOX = /\d{1,12},\s*\d{1,12},\s*\d{1,12},\s*\d{1,12}/g;

function countGrit(s: string, limit: number): number {
  GRIT_BOX.lastIndex = 0;
  let n = 0;
  while (n < limit && GRIT_BOX.exec(s)) n++;
  return n;
}

function scoreGrounded(completion: unknown, p: GroundedParams): RewardResult {
  const s = textOf(completion);
  const reasons: string[] = [];
  // the reasoning: from <think> up to <rethink> (or </think> when there is none)
  const open = s.indexOf(`<${p.reasoning_tag}>`);
  let reasoning = '';
  if (open >= 0) {
    const start = open + p.reasoning_tag.length + 2;
    const re = s.indexOf(`<${p.rethink_tag}>`, start);
    const close = s.indexOf(`</${p.reasoning_tag}>`, start);
    const end = re >= 0 && (close < 0 || re < close) ? re : close >= 0 ? close : s.length;
    reasoning = s.slice(start, end);
  } else reasons.push(`no <${p.reasoning_tag}>`);
  const boxes = p.box_pattern === 'grit' ? countGrit(reasoning, p.min_boxes) : (() => {
    const r = parseBoxes(reasoning);
    return r.ok ? r.value.length : 0;
  })();
  const grounded = boxes >= p.min_boxes;
  if (!grounded && open >= 0) reasons.push(`${boxes} box(es) in the reasoning, need ${p.min_boxes}`);
  const secs = sections(s, [p.reasoning_tag, p.rethink_tag, 'answer']);
  let structured = false;
  if (!secs.ok) reasons.push(secs.reason);
  else {
    const names = secs.value.map((x) => x.name).join(',');
    const okOrder = names === `${p.reasoning_tag},answer` || names === `${p.reasoning_tag},${p.rethink_tag},answer`;
    const ans = secs.value[secs.value.length - 1]!;
    if (!okOrder) reasons.push(`sections ${names.replace(/,/g, ' ')} are not ${p.reasoning_tag} (${p.rethink_tag}) answer`);
    else if (s.slice(ans.innerStart, ans.innerEnd).trim() === '') reasons.push('empty <answer>');
    else structured = true;
  }
  const score = (grounded ? 0.5 : 0) + (structured ? 0.5 : 0);
  const out: RewardResult = { score, details: { boxes_in_reasoning: boxes, grounded, structured } };
  if (reasons.length) out.reason = reasons.join('; ');
  return out;
}

export const groundedReward = registerReward<GroundedParams>({
  name: 'format.grounded',
  description: '0.5 when the reasoning cites a box (GRIT grounded-region reward) + 0.5 for a well-formed think/(rethink)/answer structure',
  paper: 'GRIT: Teaching MLLMs to Think with Images (Fan et al. 2025), grounded-region reward',
  range: [0, 1],
  params: GroundedParams as z.ZodType<GroundedParams>,
  score: (input, p) => scoreGrounded(input?.completion, p),
  examples: [
    { completion: '<think>The cat at 10, 20, 110, 220 is left.</think><rethink>yes</rethink><answer>left</answer>', answer: {}, score: 1 },
    { completion: '<think>The cat is left.</think><answer>left</answer>', answer: {}, score: 0.5 },
    { completion: '<think>x</think><rethink>see [1, 2, 3, 4]</rethink><answer>a</answer>', answer: {}, score: 0.5, note: 'boxes after <rethink> do not count' },
    { completion: '<think>see [1.5, 2, 3, 4]</think><answer>a</answer>', answer: {}, params: { box_pattern: 'any' }, score: 1 },
  ],
});
