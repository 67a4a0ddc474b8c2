/**
 * Multiple-choice letters (`A`–`F` by default). In order of trust: the last `\boxed{B}`;
 * "answer is B" / "Answer: (B)"; the whole text being an option (`B`, `(B)`, `B. a cat`);
 * the first `(B)`; the first letter marked as an option (`B.` `B)` `B:` or a letter alone at the
 * end of the text); else the last standalone capital option letter that does not read as the
 * article "A" (`A dog` is not an answer). The value is upper-case.
 */
import { lastBoxed } from './numbers.js';
import { asText, found, notFound, total, type ParseResult } from './types.js';

interface ChoiceRes {
  answerIs: RegExp;
  whole: RegExp;
  paren: RegExp;
  marked: RegExp;
  word: RegExp;
  boxed: RegExp;
}

const cache = new Map<string, ChoiceRes>();

function regexes(letters: string): ChoiceRes {
  let r = cache.get(letters);
  if (r) return r;
  const set = [...new Set(letters.toUpperCase().replace(/[^A-Z]/g, ''))].join('') || 'ABCDEF';
  const cls = `[${set}${set.toLowerCase()}]`;
  const up = `[${set}]`;
  r = {
    boxed: new RegExp(String.raw`^\s*(?:\\text\{)?\s*\(?(${cls})\)?\s*\}?\s*$`),
    answerIs: new RegExp(String.raw`answer\s*(?:is|:)\s*:?\s*(?:option\s*)?(?:\((${cls})\)|(${up})(?![A-Za-z]))`, 'gi'),
    whole: new RegExp(String.raw`^(?:option\s*)?(\()?(${cls})(\))?(?=[.):,]|\s|$)(?!\s+[a-z])`, 'i'),
    paren: new RegExp(String.raw`\((${up})\)`),
    marked: new RegExp(String.raw`(?<![A-Za-z])(${up})(?:[.):](?![A-Za-z0-9])|\s*$)`),
    word: new RegExp(String.raw`(?<![A-Za-z'])(${up})(?![A-Za-z'])`, 'g'),
  };
  if (cache.size > 64) cache.clear();
  cache.set(letters, r);
  return r;
}

/** The option letter a completion chooses; `letters` lists the valid options (default `ABCDEF`). */
export function parseChoice(text: string, opts?: { letters?: string }): ParseResult<string> {
  return total('parseChoice', () => {
    const s = asText(text);
    const re = regexes(opts?.letters ?? 'ABCDEF');
    const boxed = lastBoxed(s);
    if (boxed) {
      const m = re.boxed.exec(boxed.inner);
      if (m) {
        const at = boxed.start + boxed.inner.indexOf(m[1]!);
        return found(m[1]!.toUpperCase(), at, at + 1, 'boxed');
      }
    }
    let last: RegExpExecArray | null = null;
    re.answerIs.lastIndex = 0;
    for (let m = re.answerIs.exec(s); m; m = re.answerIs.exec(s)) last = m;
    if (last) {
      const letter = (last[1] ?? last[2])!;
      const at = last.index + last[0].lastIndexOf(letter);
      return found(letter.toUpperCase(), at, at + 1, 'answer_is');
    }
    const trimmed = s.trimStart();
    const w = re.whole.exec(trimmed);
    if (w) {
      const letter = w[2]!;
      const after = trimmed[w[0].length];
      // lower case only when bracketed, punctuated ("b.") or alone: "a" in "a cat" is an article
      const ok = letter === letter.toUpperCase() || w[1] !== undefined || (after !== undefined && '.):'.includes(after)) || trimmed.trim().length === 1;
      if (ok) {
        const at = s.length - trimmed.length + w[0].length - 1 - (w[3] ? 1 : 0);
        return found(letter.toUpperCase(), at, at + 1, 'whole');
      }
    }
    const p = re.paren.exec(s);
    if (p) return found(p[1]!, p.index + 1, p.index + 2, 'paren');
    const mk = re.marked.exec(s);
    if (mk) return found(mk[1]!, mk.index, mk.index + 1, 'marked');
    let best: { letter: string; at: number } | undefined;
    re.word.lastIndex = 0;
    for (let m = re.word.exec(s); m; m = re.word.exec(s)) {
      if (m[1] === 'A' && /^\s+[a-z]/.test(s.slice(m.index + 1, m.index + 3))) continue;
      best = { letter: m[1]!, at: m.index };
    }
    if (best) return found(best.letter, best.at, best.at + 1, 'word');
    return notFound(s.trim() === '' ? 'empty text' : 'no option letter');
  });
}
