/**
 * Safetensors: read and write (https://github.com/huggingface/safetensors, format spec in its
 * README). Layout: 8 bytes little-endian u64 `N`, then `N` bytes of UTF-8 JSON
 * `{"__metadata__": {str: str}, "<name>": {"dtype", "shape", "data_offsets": [begin, end]}, ...}`
 * (padded with spaces), then the data section; offsets are relative to the data section start.
 *
 * Validation follows the reference implementation: header size at most 100 MB, the JSON an
 * object, every entry a known dtype with non-negative integer shape, `end - begin` equal to
 * `numel(shape) * size(dtype)`, entries contiguous without gap or overlap from 0 to the end of
 * the file. Every violation is a `GlimpseError('corrupt')` naming the file and the tensor, raised
 * before any tensor byte is read, so a lying header never causes an out-of-bounds read.
 *
 * Tensor names are kept exactly as written (Hugging Face names such as
 * `model.layers.0.self_attn.q_proj.weight`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { GlimpseError } from '../../util/errors.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DTYPE_SIZE, type DType, type Tensor, bytesOf, dataMatchesDType, isDType, numel, typedFromBytes } from './dtype.js';

/** Largest JSON header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header; `begin`/`end` are offsets in the data section. */
export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed and validated safetensors header. */
export interface SafetensorsHeader {
  /** Tensors in header order. */
  tensors: Map<string, TensorInfo>;
  /** The free-form `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Absolute byte offset of the data section (8 + header length). */
  dataStart: number;
  /** Length of the data section in bytes. */
  dataBytes: number;
}

function corrupt(file: string, msg: string): GlimpseError {
  return new GlimpseError('corrupt', `${file}: not a valid safetensors file: ${msg}`);
}

/** Reads the 8-byte little-endian header length; `null` when it does not fit a safe integer. */
function readHeaderLength(prefix: Uint8Array): number | null {
  const dv = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = dv.getBigUint64(0, true);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(n);
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Validates the JSON header text against a file of `fileBytes` bytes whose header is `headerLen`
 * bytes long. `file` names the source in errors.
 */
export function parseHeaderJson(json: string, headerLen: number, fileBytes: number, file: string): SafetensorsHeader {
  if (!json.startsWith('{')) throw corrupt(file, 'header does not start with "{"');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw corrupt(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw corrupt(file, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataBytes = fileBytes - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw corrupt(file, '__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') throw corrupt(file, `__metadata__ value "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw corrupt(file, `tensor "${name}": entry is not an object`);
    const e = entry as Record<string, unknown>;
    if (!isDType(e.dtype)) throw corrupt(file, `tensor "${name}": unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegInt)) throw corrupt(file, `tensor "${name}": shape must be an array of non-negative integers`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNonNegInt)) throw corrupt(file, `tensor "${name}": data_offsets must be two non-negative integers`);
    const [begin, end] = offs as [number, number];
    if (end < begin) throw corrupt(file, `tensor "${name}": data_offsets [${begin}, ${end}] end before begin`);
    const shape = e.shape as number[];
    const expect = numel(shape) * DTYPE_SIZE[e.dtype];
    if (!Number.isSafeInteger(expect) || expect !== end - begin)
      throw corrupt(file, `tensor "${name}": ${e.dtype}[${shape.join(', ')}] needs ${expect} bytes but data_offsets span ${end - begin}`);
    if (end > dataBytes) throw corrupt(file, `tensor "${name}": data_offsets end ${end} past the data section (${dataBytes} bytes; file truncated?)`);
    tensors.set(name, { name, dtype: e.dtype, shape, begin, end });
  }
  // Contiguity: sorted by offset, every entry starts where the previous ended, the last ends at EOF.
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const t of sorted) {
    if (t.begin < pos) throw corrupt(file, `tensor "${t.name}": data_offsets [${t.begin}, ${t.end}] overlap the previous tensor (ends at ${pos})`);
    if (t.begin > pos) throw corrupt(file, `tensor "${t.name}": gap in the data section before offset ${t.begin} (previous tensor ends at ${pos})`);
    pos = t.end;
  }
  if (pos !== dataBytes) throw corrupt(file, `data section is ${dataBytes} bytes but the tensors cover ${pos} (${pos < dataBytes ? 'trailing bytes' : 'file truncated'})`);
  return { tensors, metadata, dataStart, dataBytes };
}

/**
 * Parses the header at the start of `bytes`, where `fileBytes` is the whole file size (defaults
 * to `bytes.length`, i.e. `bytes` is the whole file).
 */
export function parseHeader(bytes: Uint8Array, file = '<buffer>', fileBytes = bytes.byteLength): SafetensorsHeader {
  if (bytes.byteLength < 8 || fileBytes < 8) throw corrupt(file, `file is ${fileBytes} bytes, shorter than the 8-byte header length`);
  const n = readHeaderLength(bytes);
  if (n === null || n > MAX_HEADER_BYTES) throw corrupt(file, `header length ${new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true)} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + n > fileBytes) throw corrupt(file, `header length ${n} runs past the end of the file (${fileBytes} bytes; truncated?)`);
  if (8 + n > bytes.byteLength) throw corrupt(file, `header needs ${8 + n} bytes, only ${bytes.byteLength} given`);
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw corrupt(file, 'header is not valid UTF-8');
  }
  return parseHeaderJson(json, n, fileBytes, file);
}

/** Decodes one tensor given the whole file (or data-bearing buffer) `bytes`. */
function tensorFrom(info: TensorInfo, bytes: Uint8Array, offset: number, owned = false): Tensor {
  return { dtype: info.dtype, shape: [...info.shape], data: typedFromBytes(info.dtype, bytes.subarray(offset + info.begin, offset + info.end), owned) };
}

/** Decodes a whole safetensors file held in memory. */
export function deserialize(bytes: Uint8Array, file = '<buffer>'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const h = parseHeader(bytes, file);
  const tensors = new Map<string, Tensor>();
  for (const info of h.tensors.values()) tensors.set(info.name, tensorFrom(info, bytes, h.dataStart));
  return { tensors, metadata: h.metadata };
}

/** Input accepted by {@link serialize}: a Map or a plain record of tensors. */
export type TensorSet = Map<string, Tensor> | Record<string, Tensor>;

function entriesOf(set: TensorSet): Array<[string, Tensor]> {
  return set instanceof Map ? [...set.entries()] : Object.entries(set);
}

/**
 * The order of the reference writer's dtype enum (ascending alignment); tensors are written in
 * descending order of it, then by name, which keeps every tensor aligned and makes our files
 * byte-identical to `safetensors.torch.save_file` for the same tensors and metadata.
 */
const WRITE_RANK: Readonly<Record<DType, number>> = { BOOL: 0, U8: 1, I8: 2, I16: 3, F16: 4, BF16: 5, I32: 6, F32: 7, F64: 8, I64: 9 };

/**
 * Encodes tensors (+ optional string metadata) as safetensors bytes. Like the reference writer,
 * tensors are ordered by dtype (widest first, see WRITE_RANK) then name, and the header is padded with
 * spaces to a multiple of 8 bytes, so every tensor's data is aligned to its element size.
 */
export function serialize(set: TensorSet, metadata?: Record<string, string>): Uint8Array {
  const { head, entries, dataBytes } = layout(set, metadata);
  const out = new Uint8Array(head.byteLength + dataBytes);
  out.set(head, 0);
  let pos = head.byteLength;
  for (const [, t] of entries) {
    out.set(bytesOf(t.data), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Validates tensors, orders them and builds the 8-byte length + padded JSON header. */
function layout(set: TensorSet, metadata?: Record<string, string>): { head: Uint8Array; entries: Array<[string, Tensor]>; dataBytes: number } {
  const entries = entriesOf(set);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new GlimpseError('bad_argument', 'safetensors: "__metadata__" is reserved and cannot name a tensor');
    if (!isDType(t.dtype)) throw new GlimpseError('bad_argument', `safetensors: tensor "${name}" has unknown dtype ${String(t.dtype)}`);
    if (!t.shape.every(isNonNegInt)) throw new GlimpseError('bad_argument', `safetensors: tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`);
    if (!dataMatchesDType(t.dtype, t.data)) throw new GlimpseError('bad_argument', `safetensors: tensor "${name}" data is a ${t.data.constructor.name}, not the array for ${t.dtype}`);
    if (t.data.length !== numel(t.shape)) throw new GlimpseError('bad_argument', `safetensors: tensor "${name}" shape [${t.shape.join(', ')}] needs ${numel(t.shape)} elements, data has ${t.data.length}`);
  }
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new GlimpseError('bad_argument', `safetensors: metadata "${k}" must be a string`);
  }
  entries.sort((a, b) => WRITE_RANK[b[1].dtype] - WRITE_RANK[a[1].dtype] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let off = 0;
  for (const [name, t] of entries) {
    const len = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + len] };
    off += len;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  head.fill(0x20, 8 + json.byteLength);
  return { head, entries, dataBytes: off };
}

/**
 * Writes tensors to `path` atomically and without building the whole file in memory: the header
 * and then each tensor's bytes go to a temporary file in the same folder, which is flushed to
 * disk and renamed over `path` (a reader sees the old file or the new one, never half of one).
 */
export async function writeSafetensors(path: string, set: TensorSet, metadata?: Record<string, string>): Promise<void> {
  const { head, entries } = layout(set, metadata);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      const writeAll = async (b: Uint8Array) => {
        // in slices of at most 64 MB; a short write continues where it stopped
        for (let o = 0; o < b.byteLength; ) {
          const { bytesWritten } = await fh.write(b, o, Math.min(b.byteLength - o, 64 << 20));
          o += bytesWritten;
        }
      };
      await writeAll(head);
      for (const [, t] of entries) await writeAll(bytesOf(t.data));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function readExactly(fd: number, length: number, position: number, file: string): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, Math.min(length - got, 1 << 30), position + got); // ≤ 1 GiB per call (fs limit 2 GiB)
    if (n === 0) throw corrupt(file, `unexpected end of file at byte ${position + got} (file changed while reading?)`);
    got += n;
  }
  return buf;
}

/**
 * A safetensors file opened for reading: only the header is read on open; each
 * {@link SafetensorsFile.read} reads just that tensor's byte range. Close it when done.
 */
export class SafetensorsFile {
  private fd: number | null;
  private constructor(
    readonly path: string,
    fd: number,
    readonly header: SafetensorsHeader,
  ) {
    this.fd = fd;
  }

  /** Opens `path` and validates its header (GlimpseError 'not_found' or 'corrupt'). */
  static open(path: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new GlimpseError(code === 'ENOENT' ? 'not_found' : 'io', `${path}: cannot open safetensors file (${code ?? (e as Error).message})`, undefined, { cause: e });
    }
    try {
      const size = fstatSync(fd).size;
      if (size < 8) throw corrupt(path, `file is ${size} bytes, shorter than the 8-byte header length`);
      const prefix = readExactly(fd, 8, 0, path);
      const n = readHeaderLength(prefix);
      if (n === null || n > MAX_HEADER_BYTES) throw corrupt(path, `header length ${new DataView(prefix.buffer).getBigUint64(0, true)} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
      if (8 + n > size) throw corrupt(path, `header length ${n} runs past the end of the file (${size} bytes; truncated?)`);
      const all = new Uint8Array(8 + n);
      all.set(prefix);
      all.set(readExactly(fd, n, 8, path), 8);
      return new SafetensorsFile(path, fd, parseHeader(all, path, size));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Tensor names in header order. */
  names(): string[] {
    return [...this.header.tensors.keys()];
  }

  /** Header entry of `name`, or undefined. */
  info(name: string): TensorInfo | undefined {
    return this.header.tensors.get(name);
  }

  /** Reads one tensor (GlimpseError 'not_found' naming the file when absent). */
  read(name: string): Tensor {
    if (this.fd === null) throw new GlimpseError('closed', `${this.path}: safetensors file already closed`);
    const info = this.header.tensors.get(name);
    if (!info) throw new GlimpseError('not_found', `${this.path}: no tensor named "${name}"`);
    const bytes = readExactly(this.fd, info.end - info.begin, this.header.dataStart + info.begin, this.path);
    return tensorFrom(info, bytes, -info.begin, true); // a fresh buffer of exactly this tensor: no second copy
  }

  /** Reads every tensor (or those in `names`). */
  readAll(names?: readonly string[]): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const n of names ?? this.names()) out.set(n, this.read(n));
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Reads a whole safetensors file (or only `names`) from disk. */
export function readSafetensors(path: string, names?: readonly string[]): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const f = SafetensorsFile.open(path);
  try {
    return { tensors: f.readAll(names), metadata: f.header.metadata };
  } finally {
    f.close();
  }
}
