/**
 * Delimited text (TSV/CSV as pandas writes it): fields separated by `sep`, optionally quoted with
 * `"` (a quoted field may hold separators, newlines and `""` for a quote). Used for MMBench-style
 * `.tsv` files and UCR time-series archives.
 */
import { GlimpseError } from '../../util/errors.js';

/** Splits `text` into rows of fields; GlimpseError('corrupt') naming `name` on an unclosed quote. */
export function parseDelimited(text: string, sep: string, name: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let quoteStartLine = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      quoteStartLine = line;
      i++;
      continue;
    }
    if (c === sep) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      row.push(field);
      field = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) throw new GlimpseError('corrupt', `${name}: a quoted field opened on line ${quoteStartLine} is never closed`);
  row.push(field);
  if (!(row.length === 1 && row[0] === '')) rows.push(row);
  return rows;
}
