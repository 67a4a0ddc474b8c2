/**
 * PLY point clouds (Turk, "The PLY Polygon File Format", 1994): `format ascii 1.0` and
 * `format binary_little_endian 1.0`. Reads the `vertex` element's x, y, z and, when present,
 * red/green/blue (or r/g/b, diffuse_red/…; uchar as is, floats in [0, 1] scaled to 255);
 * other elements (faces, …) before the vertices are skipped, after them ignored.
 *
 * The header is checked before anything is allocated: a vertex count over the limit is
 * `too_large`; a count the file cannot hold (binary: fewer bytes than count × stride; ascii:
 * fewer lines) is `corrupt` — a lying header never makes glimpse allocate for it.
 */
import { GlimpseError } from '../../src/util/errors.js';
import type { PointCloud, SceneLimits } from './cloud.js';

type PlyType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'f32' | 'f64';

const TYPES: Record<string, PlyType> = {
  char: 'i8', int8: 'i8', uchar: 'u8', uint8: 'u8', short: 'i16', int16: 'i16', ushort: 'u16', uint16: 'u16',
  int: 'i32', int32: 'i32', uint: 'u32', uint32: 'u32', float: 'f32', float32: 'f32', double: 'f64', float64: 'f64',
};
const SIZE: Record<PlyType, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, f64: 8 };

interface Property {
  name: string;
  type: PlyType;
  /** For list properties: the type of the count. */
  countType?: PlyType;
}

interface Element {
  name: string;
  count: number;
  props: Property[];
}

function fail(code: string, name: string, cause: string): never {
  throw new GlimpseError(code, `${name}: ${cause}`);
}

function read(dv: DataView, off: number, t: PlyType): number {
  switch (t) {
    case 'i8':
      return dv.getInt8(off);
    case 'u8':
      return dv.getUint8(off);
    case 'i16':
      return dv.getInt16(off, true);
    case 'u16':
      return dv.getUint16(off, true);
    case 'i32':
      return dv.getInt32(off, true);
    case 'u32':
      return dv.getUint32(off, true);
    case 'f32':
      return dv.getFloat32(off, true);
    case 'f64':
      return dv.getFloat64(off, true);
  }
}

const COLOR_NAMES: Array<[string, string, string]> = [
  ['red', 'green', 'blue'],
  ['r', 'g', 'b'],
  ['diffuse_red', 'diffuse_green', 'diffuse_blue'],
];

/** True when `bytes` starts like a PLY file. */
export function looksLikePly(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x70 && bytes[1] === 0x6c && bytes[2] === 0x79 && (bytes[3] === 0x0a || bytes[3] === 0x0d);
}

/** Parses a PLY file into a point cloud; see the module comment. */
export function parsePly(bytes: Uint8Array, name: string, limits: SceneLimits): PointCloud {
  if (!looksLikePly(bytes)) fail('corrupt', name, 'not a PLY file (no "ply" magic line)');
  const headLimit = Math.min(bytes.length, 64 * 1024);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, headLimit).toString('latin1');
  const endMatch = /end_header[ \t]*\r?\n/.exec(head);
  if (!endMatch) fail('corrupt', name, 'PLY header has no "end_header" line in its first 64 KiB (truncated or not PLY)');
  const bodyStart = endMatch.index + endMatch[0].length;
  const lines = head.slice(0, endMatch.index).split(/\r?\n/).map((l) => l.trim());
  let format = '';
  const elements: Element[] = [];
  for (let i = 1; i < lines.length; i++) {
    const parts = lines[i]!.split(/\s+/);
    const kw = parts[0];
    if (!kw || kw === 'comment' || kw === 'obj_info') continue;
    if (kw === 'format') {
      format = parts[1] ?? '';
      if (parts[2] !== '1.0') fail('unsupported', name, `PLY version "${parts[2] ?? ''}" (only 1.0)`);
    } else if (kw === 'element') {
      const count = Number(parts[2]);
      if (!parts[1] || !/^\d+$/.test(parts[2] ?? '') || !Number.isSafeInteger(count)) fail('corrupt', name, `bad element line "${lines[i]}"`);
      elements.push({ name: parts[1], count, props: [] });
    } else if (kw === 'property') {
      const el = elements[elements.length - 1];
      if (!el) fail('corrupt', name, `property before any element: "${lines[i]}"`);
      if (parts[1] === 'list') {
        const ct = TYPES[parts[2] ?? ''];
        const it = TYPES[parts[3] ?? ''];
        if (!ct || !it || !parts[4]) fail('corrupt', name, `bad list property "${lines[i]}"`);
        el.props.push({ name: parts[4], type: it, countType: ct });
      } else {
        const t = TYPES[parts[1] ?? ''];
        if (!t || !parts[2]) fail('corrupt', name, `bad property "${lines[i]}"`);
        el.props.push({ name: parts[2], type: t });
      }
    } else fail('corrupt', name, `unknown PLY header line "${lines[i]!.slice(0, 80)}"`);
  }
  if (format === 'binary_big_endian') fail('unsupported', name, 'binary big-endian PLY is not supported (convert to little-endian or ascii)');
  if (format !== 'ascii' && format !== 'binary_little_endian') fail('corrupt', name, `PLY format "${format}" (ascii or binary_little_endian)`);
  const vi = elements.findIndex((e) => e.name === 'vertex');
  if (vi < 0) fail('corrupt', name, 'PLY has no "vertex" element');
  const vertex = elements[vi]!;
  if (vertex.count > limits.maxPoints) fail('too_large', name, `PLY declares ${vertex.count} vertices (limit ${limits.maxPoints})`);
  const idx = (n: string) => vertex.props.findIndex((p) => p.name === n && !p.countType);
  const xyz = ['x', 'y', 'z'].map(idx);
  if (xyz.some((k) => k < 0)) fail('corrupt', name, 'PLY vertices lack x, y or z');
  const rgb = COLOR_NAMES.map((names) => names.map(idx)).find((ks) => ks.every((k) => k >= 0)) ?? null;

  const count = vertex.count;
  if (format === 'ascii') return parseAscii(bytes, bodyStart, elements, vi, xyz, rgb, name);

  // binary little-endian
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = bodyStart;
  for (let e = 0; e < vi; e++) off = skipBinaryElement(dv, off, elements[e]!, name);
  if (vertex.props.some((p) => p.countType)) fail('unsupported', name, 'list properties on vertices are not supported');
  const offsets: number[] = [];
  let stride = 0;
  for (const p of vertex.props) {
    offsets.push(stride);
    stride += SIZE[p.type];
  }
  const need = count * stride;
  if (off + need > bytes.length) fail('corrupt', name, `PLY declares ${count} vertices (${need} bytes) but only ${Math.max(0, bytes.length - off)} bytes follow the header`);
  const positions = new Float32Array(count * 3);
  const colors = rgb ? new Uint8Array(count * 3) : null;
  const tx = xyz.map((k) => vertex.props[k]!.type);
  const ox = xyz.map((k) => offsets[k]!);
  const allF32 = tx.every((t) => t === 'f32');
  const tc = rgb?.map((k) => vertex.props[k]!.type);
  const oc = rgb?.map((k) => offsets[k]!);
  for (let i = 0; i < count; i++) {
    const base = off + i * stride;
    if (allF32) {
      positions[i * 3] = dv.getFloat32(base + ox[0]!, true);
      positions[i * 3 + 1] = dv.getFloat32(base + ox[1]!, true);
      positions[i * 3 + 2] = dv.getFloat32(base + ox[2]!, true);
    } else for (let k = 0; k < 3; k++) positions[i * 3 + k] = read(dv, base + ox[k]!, tx[k]!);
    if (colors && tc && oc) for (let k = 0; k < 3; k++) colors[i * 3 + k] = toByte(read(dv, base + oc[k]!, tc[k]!), tc[k]!);
  }
  return { positions, colors, count };
}

function toByte(v: number, t: PlyType): number {
  const x = t === 'f32' || t === 'f64' ? v * 255 : t === 'u16' ? v / 257 : v;
  return x > 255 ? 255 : x > 0 ? Math.round(x) : 0;
}

function skipBinaryElement(dv: DataView, off: number, el: Element, name: string): number {
  const fixed = el.props.every((p) => !p.countType);
  if (fixed) {
    const stride = el.props.reduce((s, p) => s + SIZE[p.type], 0);
    const end = off + el.count * stride;
    if (end > dv.byteLength) fail('corrupt', name, `PLY element "${el.name}" runs past the end of the file`);
    return end;
  }
  for (let i = 0; i < el.count; i++) {
    for (const p of el.props) {
      if (p.countType) {
        if (off + SIZE[p.countType] > dv.byteLength) fail('corrupt', name, `PLY element "${el.name}" runs past the end of the file`);
        const n = read(dv, off, p.countType);
        off += SIZE[p.countType] + n * SIZE[p.type];
      } else off += SIZE[p.type];
      if (off > dv.byteLength) fail('corrupt', name, `PLY element "${el.name}" runs past the end of the file`);
    }
  }
  return off;
}

function parseAscii(bytes: Uint8Array, start: number, elements: Element[], vi: number, xyz: number[], rgb: number[] | null, name: string): PointCloud {
  const vertex = elements[vi]!;
  const count = vertex.count;
  // the body holds at least one line per declared row: check before allocating
  let lineCount = 0;
  for (let i = start; i < bytes.length; i++) if (bytes[i] === 0x0a) lineCount++;
  if (bytes.length > start && bytes[bytes.length - 1] !== 0x0a) lineCount++;
  let skipLines = 0;
  for (let e = 0; e < vi; e++) skipLines += elements[e]!.count;
  if (lineCount < skipLines + count) fail('corrupt', name, `PLY declares ${count} vertices but the file has only ${Math.max(0, lineCount - skipLines)} lines of them`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('latin1');
  const positions = new Float32Array(count * 3);
  const colors = rgb ? new Uint8Array(count * 3) : null;
  const colorTypes = rgb?.map((k) => vertex.props[k]!.type);
  let pos = 0;
  let line = 0;
  let v = 0;
  while (v < count) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const row = text.slice(pos, nl).trim();
    pos = nl + 1;
    if (row === '') {
      if (pos > text.length) break;
      continue;
    }
    if (line++ < skipLines) continue;
    const f = row.split(/\s+/);
    if (f.length < vertex.props.length) fail('corrupt', name, `PLY vertex ${v} has ${f.length} values, expected ${vertex.props.length}`);
    for (let k = 0; k < 3; k++) positions[v * 3 + k] = Number(f[xyz[k]!]);
    if (colors && rgb && colorTypes) for (let k = 0; k < 3; k++) colors[v * 3 + k] = toByte(Number(f[rgb[k]!]), colorTypes[k]!);
    v++;
  }
  if (v < count) fail('corrupt', name, `PLY declares ${count} vertices but only ${v} were found`);
  return { positions, colors, count };
}
