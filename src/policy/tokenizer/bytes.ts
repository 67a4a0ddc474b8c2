/**
 * The byte-level alphabet of GPT-2 / Qwen tokenizers (Radford et al. 2019): every byte maps to a
 * printable Unicode character, so byte sequences can be stored as vocabulary strings. Printable
 * bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ` map to themselves; the other 68 bytes map to U+0100 onwards
 * in byte order (so a space is `Ġ`, a newline `Ċ`).
 */
const BYTE_TO_CHAR: string[] = [];
const CHAR_TO_BYTE = new Map<string, number>();
{
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const ch = String.fromCharCode(printable ? b : 256 + extra++);
    BYTE_TO_CHAR.push(ch);
    CHAR_TO_BYTE.set(ch, b);
  }
}

/** The alphabet character of byte `b` (0–255). */
export function byteChar(b: number): string {
  return BYTE_TO_CHAR[b]!;
}

/** UTF-8 bytes of `text` as alphabet characters. */
export function toByteLevel(text: string): string {
  let s = '';
  for (const b of new TextEncoder().encode(text)) s += BYTE_TO_CHAR[b]!;
  return s;
}

/** Alphabet characters back to UTF-8 text (invalid sequences become U+FFFD). */
export function fromByteLevel(s: string): string {
  const bytes: number[] = [];
  for (const ch of s) {
    const b = CHAR_TO_BYTE.get(ch);
    if (b !== undefined) bytes.push(b);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
