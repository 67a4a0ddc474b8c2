/**
 * Time series input: CSV or JSON with one or many channels and optional timestamps, parsed into
 * columns of float64. Missing values (`''`, `NaN`, `null`, `NA`, `-`, unparsable cells) become
 * NaN, which charts draw as gaps.
 *
 * CSV: delimiter `,`, `;` or tab (guessed from the first line); a header row when any cell of the
 * first row is not a number; a time column named `time`, `timestamp`, `date`, `datetime`, `t`
 * or `ts` (or `timeColumn`), or a first column of ISO-8601 dates. Quoted cells ("a,b", "" escapes).
 *
 * JSON: `[1, 2, null]` (one channel); `[{"time": …, "a": 1, "b": 2}, …]` (records);
 * `{"time"?: [...], "series": {"a": [...], "b": [...]}}`; `{"time"?: [...], "channels":
 * [{"name": "a", "values": [...]}]}`; `{"time"?: [...], "values": [...]}`.
 * Timestamps are numbers (any unit) or ISO-8601 strings (kept as epoch milliseconds, UTC);
 * they must be finite and non-decreasing.
 */
import { z } from 'zod';
import { GlimpseError } from '../../src/util/errors.js';

export const SeriesLimitsSchema = z.object({
  maxBytes: z.number().int().positive().default(256 * 2 ** 20).describe('largest input file, in bytes (256 MiB)'),
  maxPoints: z.number().int().positive().default(20_000_000).describe('most rows (time steps) in one series'),
  maxChannels: z.number().int().positive().default(64).describe('most channels (value columns)'),
});
export type SeriesLimits = z.infer<typeof SeriesLimitsSchema>;

export interface Channel {
  name: string;
  values: Float64Array;
}

export interface Series {
  /** Timestamps (numbers, or epoch ms when `timeKind` is `iso`); null: the row index is the x axis. */
  time: Float64Array | null;
  timeKind: 'index' | 'number' | 'iso';
  channels: Channel[];
  /** Number of rows (time steps). */
  length: number;
}

const TIME_NAMES = new Set(['time', 'timestamp', 'date', 'datetime', 't', 'ts']);
const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none', '-', 'undefined']);
const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_NAME = 200;

function fail(code: string, name: string, cause: string): never {
  throw new GlimpseError(code, `${name}: ${cause}`);
}

/** A cell to a number (NaN when missing or not a number). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return Number.NaN;
  const s = v.trim();
  if (MISSING.has(s.toLowerCase())) return Number.NaN;
  const n = Number(s);
  return s.length > 0 ? n : Number.NaN;
}

function isoToMs(v: string): number {
  const s = v.trim();
  if (!ISO_RE.test(s)) return Number.NaN;
  // a date or local time without zone is read as UTC, for determinism across machines
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) || s.length === 10 ? s : `${s.replace(' ', 'T')}Z`;
  return Date.parse(s.length === 10 ? `${s}T00:00:00Z` : withZone);
}

function checkTime(time: Float64Array, name: string): void {
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) fail('corrupt', name, `timestamp of row ${i + 1} is missing or not a number/date`);
    if (i > 0 && t < time[i - 1]!) fail('corrupt', name, `timestamps go backwards at row ${i + 1}`);
  }
}

function timeColumn(cells: unknown[], name: string): { time: Float64Array; kind: 'number' | 'iso' } {
  const first = cells.find((c) => c !== null && c !== undefined && c !== '');
  const iso = typeof first === 'string' && ISO_RE.test(first.trim());
  const time = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) time[i] = iso ? isoToMs(String(cells[i])) : toNumber(cells[i]);
  checkTime(time, name);
  return { time, kind: iso ? 'iso' : 'number' };
}

function checkName(n: string, name: string): string {
  if (n.length > MAX_NAME) fail('corrupt', name, `column name of ${n.length} characters (over ${MAX_NAME}): not a time series`);
  return n;
}

/** Splits CSV text into rows of cells (RFC 4180 quotes). */
function csvRows(text: string, delim: string, limits: SeriesLimits, name: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  const n = text.length;
  let quoted = false;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') {
      quoted = true;
      i++;
      continue;
    }
    if (c === delim) {
      row.push(cell);
      cell = '';
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      row.push(cell);
      cell = '';
      rows.push(row);
      if (rows.length > limits.maxPoints + 1) fail('too_large', name, `more than ${limits.maxPoints} rows`);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    // fast path: plain run of characters
    let j = i + 1;
    while (j < n) {
      const d = text[j]!;
      if (d === delim || d === '\n' || d === '\r' || d === '"') break;
      j++;
    }
    cell += text.slice(i, j);
    i = j;
  }
  if (quoted) fail('corrupt', name, 'unterminated quoted cell (truncated file?)');
  row.push(cell);
  rows.push(row);
  // trailing blank lines end the file; other blank lines are missing values in a one-column
  // file and separators (dropped) in a wider one
  while (rows.length > 0 && rows[rows.length - 1]!.length === 1 && rows[rows.length - 1]![0]!.trim() === '') rows.pop();
  let first = 0;
  while (first < rows.length && rows[first]!.length === 1 && rows[first]![0]!.trim() === '') first++;
  const body = first > 0 ? rows.slice(first) : rows;
  const width = body[0]?.length ?? 0;
  return width > 1 ? body.filter((r) => !(r.length === 1 && r[0]!.trim() === '')) : body;
}

/** Parses CSV text; see the module comment. */
export function parseSeriesCsv(text: string, name = 'series.csv', limits: SeriesLimits = SeriesLimitsSchema.parse({}), opts: { timeColumn?: string } = {}): Series {
  const firstLine = text.slice(0, Math.min(text.length, 64 * 1024)).split(/\r?\n/, 1)[0] ?? '';
  const delim = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const rows = csvRows(text, delim, limits, name);
  if (rows.length === 0) fail('corrupt', name, 'no rows');
  const width = rows[0]!.length;
  if (width > limits.maxChannels + 1) fail('too_large', name, `${width} columns (limit ${limits.maxChannels} channels)`);
  const header = rows[0]!.some((c) => Number.isNaN(toNumber(c)) && !MISSING.has(c.trim().toLowerCase()) && !ISO_RE.test(c.trim()));
  const names = header ? rows[0]!.map((c, k) => checkName(c.trim(), name) || `col${k + 1}`) : rows[0]!.map((_, k) => `col${k + 1}`);
  const data = header ? rows.slice(1) : rows;
  if (data.length > limits.maxPoints) fail('too_large', name, `${data.length} rows (limit ${limits.maxPoints})`);
  for (let r = 0; r < data.length; r++) {
    if (data[r]!.length !== width) fail('corrupt', name, `row ${r + (header ? 2 : 1)} has ${data[r]!.length} cells, expected ${width}`);
  }
  let tcol = -1;
  if (opts.timeColumn !== undefined) {
    tcol = names.indexOf(opts.timeColumn);
    if (tcol < 0) fail('bad_config', name, `no column "${opts.timeColumn}" (columns: ${names.join(', ')})`);
  } else {
    tcol = names.findIndex((n) => TIME_NAMES.has(n.toLowerCase()));
    if (tcol < 0 && data.length > 0 && ISO_RE.test((data[0]![0] ?? '').trim())) tcol = 0;
  }
  if (width - (tcol >= 0 ? 1 : 0) < 1) fail('corrupt', name, 'no value columns');
  const channels: Channel[] = [];
  for (let k = 0; k < width; k++) {
    if (k === tcol) continue;
    const values = new Float64Array(data.length);
    for (let r = 0; r < data.length; r++) values[r] = toNumber(data[r]![k]);
    channels.push({ name: names[k]!, values });
  }
  if (channels.length > limits.maxChannels) fail('too_large', name, `${channels.length} channels (limit ${limits.maxChannels})`);
  const t = tcol >= 0 ? timeColumn(data.map((row) => row[tcol]), name) : null;
  return { time: t?.time ?? null, timeKind: t?.kind ?? 'index', channels, length: data.length };
}

function numbers(a: unknown, what: string, name: string): Float64Array {
  if (!Array.isArray(a)) fail('corrupt', name, `${what} is not an array`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] === null ? Number.NaN : toNumber(a[i]);
  return out;
}

/** Parses a JSON value (already decoded); see the module comment. */
export function seriesFromJson(v: unknown, name = 'series.json', limits: SeriesLimits = SeriesLimitsSchema.parse({})): Series {
  let channels: Channel[];
  let timeCells: unknown[] | undefined;
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
      const keys: string[] = [];
      const seen = new Set<string>();
      for (const r of v as Array<Record<string, unknown>>) {
        for (const k of Object.keys(r)) {
          if (!seen.has(k)) {
            seen.add(k);
            keys.push(checkName(k, name));
            if (keys.length > limits.maxChannels + 1) fail('too_large', name, `more than ${limits.maxChannels} channels`);
          }
        }
      }
      const tkey = keys.find((k) => TIME_NAMES.has(k.toLowerCase()));
      if (tkey) timeCells = (v as Array<Record<string, unknown>>).map((r) => r[tkey]);
      channels = keys.filter((k) => k !== tkey).map((k) => ({ name: k, values: numbers((v as Array<Record<string, unknown>>).map((r) => r[k] ?? null), k, name) }));
    } else channels = [{ name: 'value', values: numbers(v, 'the array', name) }];
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const tkey = Object.keys(o).find((k) => TIME_NAMES.has(k.toLowerCase()));
    if (tkey !== undefined) {
      if (!Array.isArray(o[tkey])) fail('corrupt', name, `"${tkey}" is not an array`);
      timeCells = o[tkey] as unknown[];
    }
    if (o.series && typeof o.series === 'object' && !Array.isArray(o.series)) {
      channels = Object.entries(o.series as Record<string, unknown>).map(([k, a]) => ({ name: checkName(k, name), values: numbers(a, `series "${k}"`, name) }));
    } else if (Array.isArray(o.channels)) {
      channels = o.channels.map((c: unknown, i: number) => {
        const cc = c as { name?: unknown; values?: unknown } | null;
        if (!cc || typeof cc !== 'object') fail('corrupt', name, `channels[${i}] is not an object`);
        return { name: checkName(typeof cc.name === 'string' ? cc.name : `ch${i + 1}`, name), values: numbers(cc.values, `channels[${i}].values`, name) };
      });
    } else if (Array.isArray(o.values)) channels = [{ name: typeof o.name === 'string' ? checkName(o.name, name) : 'value', values: numbers(o.values, '"values"', name) }];
    else fail('corrupt', name, 'JSON has none of "series", "channels" or "values"');
  } else fail('corrupt', name, 'JSON is not an array or an object');
  if (channels.length === 0) fail('corrupt', name, 'no channels');
  if (channels.length > limits.maxChannels) fail('too_large', name, `${channels.length} channels (limit ${limits.maxChannels})`);
  const length = channels[0]!.values.length;
  for (const c of channels) if (c.values.length !== length) fail('corrupt', name, `channel "${c.name}" has ${c.values.length} values, expected ${length}`);
  if (length > limits.maxPoints) fail('too_large', name, `${length} points (limit ${limits.maxPoints})`);
  if (timeCells && timeCells.length !== length) fail('corrupt', name, `${timeCells.length} timestamps for ${length} values`);
  const t = timeCells ? timeColumn(timeCells, name) : null;
  return { time: t?.time ?? null, timeKind: t?.kind ?? 'index', channels, length };
}

/** Parses CSV or JSON text (`format: 'auto'` looks at the first character). */
export function parseSeries(text: string, opts: { name?: string; format?: 'csv' | 'json' | 'auto'; limits?: Partial<SeriesLimits>; timeColumn?: string } = {}): Series {
  const name = opts.name ?? 'series';
  const limits = SeriesLimitsSchema.parse(opts.limits ?? {});
  if (typeof text !== 'string') fail('corrupt', name, 'series is not text');
  if (text.length > limits.maxBytes) fail('too_large', name, `${text.length} characters exceeds the limit of ${limits.maxBytes} bytes`);
  if (text.includes('\0')) fail('corrupt', name, 'binary data (NUL bytes), not CSV or JSON');
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') fail('corrupt', name, 'empty series file');
  const format = opts.format && opts.format !== 'auto' ? opts.format : /^\s*[[{]/.test(body) ? 'json' : 'csv';
  if (format === 'json') {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch (e) {
      fail('corrupt', name, `invalid JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
    return seriesFromJson(v, name, limits);
  }
  return parseSeriesCsv(body, name, limits, opts.timeColumn !== undefined ? { timeColumn: opts.timeColumn } : {});
}

/** Builds a Series from arrays in memory (tests, synthetic tasks). */
export function makeSeries(channels: Record<string, ArrayLike<number>>, time?: ArrayLike<number>, timeKind: 'number' | 'iso' = 'number'): Series {
  const chans = Object.entries(channels).map(([name, v]) => ({ name, values: Float64Array.from(v) }));
  const length = chans[0]?.values.length ?? 0;
  for (const c of chans) if (c.values.length !== length) throw new GlimpseError('bad_input', `makeSeries: channel "${c.name}" has ${c.values.length} values, expected ${length}`);
  let t: Float64Array | null = null;
  if (time) {
    t = Float64Array.from(time);
    if (t.length !== length) throw new GlimpseError('bad_input', `makeSeries: ${t.length} timestamps for ${length} values`);
    checkTime(t, 'makeSeries');
  }
  return { time: t, timeKind: t ? timeKind : 'index', channels: chans, length };
}
