/**
 * Lenient JSON: the first JSON object or array in a completion (code fences and prose around it
 * are ignored), parsed strictly when possible, else repaired the way Visual-RFT's outputs need:
 * single-quoted strings, Python `True`/`False`/`None`, trailing commas, and truncation (an
 * unterminated string is closed, a dangling key or comma dropped, open brackets closed).
 */
import { asText, found, notFound, total, type ParseResult } from './types.js';

function repair(src: string): string {
  let out = '';
  const stack: string[] = [];
  let q = ''; // current string quote, '' outside strings
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (q) {
      if (c === '\\') {
        const n = src[i + 1];
        if (n === undefined) break;
        out += n === "'" ? "'" : c + n;
        i++;
      } else if (c === q) {
        out += '"';
        q = '';
      } else if (c === '"') out += '\\"';
      else if (c === '\n') out += '\\n';
      else out += c;
      continue;
    }
    if (c === '"' || c === "'") {
      q = c;
      out += '"';
    } else if (c === '{' || c === '[') {
      stack.push(c === '{' ? '}' : ']');
      out += c;
    } else if (c === '}' || c === ']') {
      out = out.replace(/[\s,]+$/, '');
      if (stack.length && stack[stack.length - 1] === c) stack.pop();
      out += c;
      if (stack.length === 0) return out;
    } else if (/[A-Za-z]/.test(c)) {
      const w = /^[A-Za-z_]+/.exec(src.slice(i, i + 16))![0];
      out += w === 'True' ? 'true' : w === 'False' ? 'false' : w === 'None' ? 'null' : w;
      i += w.length - 1;
    } else out += c;
  }
  if (q) out += '"';
  return out;
}

/** The closers that `s` (double-quoted strings only) still needs, innermost first. */
function closers(s: string): string {
  const stack: string[] = [];
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') stack.pop();
  }
  return stack.reverse().join('');
}

/** Closes a truncated value, cutting back to the last complete element when needed. */
function closeTruncated(out: string): unknown {
  let cur = out;
  for (let tries = 0; tries < 8 && cur.length > 0; tries++) {
    const body = cur.replace(/[\s,:]+$/, '');
    const r = tryParse(body + closers(body));
    if (r.ok) return r.value;
    const cut = Math.max(body.lastIndexOf(','), body.lastIndexOf('{') + 1, body.lastIndexOf('[') + 1);
    if (cut <= 0 || cut >= body.length) return undefined;
    cur = body.slice(0, cut);
  }
  return undefined;
}

function tryParse(s: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

/**
 * The first JSON value (object or array) in `text`; via `json` when it parsed as written,
 * `repaired` when it needed the repairs above. Offsets span the JSON text found.
 */
export function parseLenientJson(text: string): ParseResult<unknown> {
  return total('parseLenientJson', () => {
    const s = asText(text);
    const obj = s.indexOf('{');
    const arr = s.indexOf('[');
    const start = obj < 0 ? arr : arr < 0 ? obj : Math.min(obj, arr);
    if (start < 0) return notFound(s.trim() === '' ? 'empty text' : 'no JSON object or array');
    const close = s[start] === '{' ? '}' : ']';
    const lastClose = s.lastIndexOf(close);
    if (lastClose > start) {
      const direct = tryParse(s.slice(start, lastClose + 1));
      if (direct.ok) return found(direct.value, start, lastClose + 1, 'json');
    }
    const fixed = repair(s.slice(start));
    const r = tryParse(fixed);
    const value = r.ok ? r.value : closeTruncated(fixed);
    if (value !== undefined) return found(value, start, s.length, 'repaired');
    return notFound('JSON could not be parsed or repaired');
  });
}
