import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, truncateSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, parseHeader, readSafetensors, SafetensorsFile, serialize, writeSafetensors, type Tensor } from '../../../../src/policy/weights/index.js';
import { GlimpseError, isGlimpseError } from '../../../../src/util/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-st-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a safetensors file by hand: u64 LE header length, header text, data bytes. */
function handmade(header: string, data: number[] = [], lengthOverride?: bigint): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function expectCorrupt(fn: () => unknown, ...parts: Array<string | RegExp>): void {
  try {
    fn();
  } catch (e) {
    expect(isGlimpseError(e), String(e)).toBe(true);
    expect((e as GlimpseError).code).toBe('corrupt');
    for (const p of parts) expect((e as Error).message).toMatch(p);
    return;
  }
  throw new Error('expected a corrupt error');
}

const ALL: Record<string, Tensor> = {
  'model.layers.0.self_attn.q_proj.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, -0, 1e-30]) },
  f64: { dtype: 'F64', shape: [2], data: new Float64Array([0.1, -1e300]) },
  f16: { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc100, 0x7c00]) },
  bf16: { dtype: 'BF16', shape: [1, 2], data: new Uint16Array([0x3f80, 0xc020]) },
  i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 2n ** 53n + 1n]) },
  i32: { dtype: 'I32', shape: [2], data: new Int32Array([-5, 2 ** 31 - 1]) },
  i16: { dtype: 'I16', shape: [1], data: new Int16Array([-32768]) },
  i8: { dtype: 'I8', shape: [3], data: new Int8Array([-128, 127, 0]) },
  u8: { dtype: 'U8', shape: [2], data: new Uint8Array([255, 9]) },
  bool: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
  empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  scalar: { dtype: 'F32', shape: [], data: new Float32Array([2.5]) },
};

describe('safetensors writing', () => {
  it('writes the exact bytes of the format for a hand-computed file', () => {
    const bytes = serialize({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) } });
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes -> padded to 56
    expect(json.length).toBe(54);
    const expected = [56, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(json), 0x20, 0x20, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('puts __metadata__ first and orders tensors like the reference writer (wider dtype first, then name)', () => {
    const bytes = serialize(
      {
        b: { dtype: 'U8', shape: [1], data: new Uint8Array([7]) },
        z: { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
        a: { dtype: 'F32', shape: [1], data: new Float32Array([2]) },
        c: { dtype: 'I64', shape: [1], data: new BigInt64Array([3n]) },
      },
      { format: 'pt' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
    expect(text).toBe(
      '{"__metadata__":{"format":"pt"},"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"z":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"b":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}}',
    );
  });

  it('round-trips every dtype, Hugging Face names and metadata', () => {
    const { tensors, metadata } = deserialize(serialize(ALL, { format: 'pt', note: 'ünïcode ✓' }));
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(ALL).sort());
    for (const [name, t] of Object.entries(ALL)) {
      const got = tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
  });

  it('round-trips random float32 tensors bit for bit (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float32Array({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), (arrs) => {
        const set = new Map<string, Tensor>(arrs.map((a, i) => [`t.${i}`, { dtype: 'F32', shape: [a.length], data: a }]));
        const back = deserialize(serialize(set)).tensors;
        for (const [k, t] of set) expect(new Uint8Array((back.get(k)!.data as Float32Array).buffer)).toEqual(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects bad tensors before writing', () => {
    expect(() => serialize({ x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/needs 3 elements/);
    expect(() => serialize({ x: { dtype: 'F16', shape: [1], data: new Float32Array(1) } })).toThrow(/not the array for F16/);
    expect(() => serialize({ x: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } })).toThrow(/invalid shape/);
    expect(() => serialize({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } })).toThrow(/reserved/);
    expect(() => serialize({ x: { dtype: 'Q4' as never, shape: [0], data: new Float32Array(0) } })).toThrow(/unknown dtype/);
  });
});

describe('safetensors header validation', () => {
  const good = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const data8 = [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0];

  it('reads the hand-made file', () => {
    const t = deserialize(handmade(good, data8)).tensors.get('a')!;
    expect(Array.from(t.data as Float32Array)).toEqual([1, -2]);
  });

  it('accepts an empty header object and zero-size tensors', () => {
    expect(deserialize(handmade('{}')).tensors.size).toBe(0);
    expect(deserialize(handmade('{"e":{"dtype":"F32","shape":[0,4],"data_offsets":[0,0]}}')).tensors.get('e')!.data.length).toBe(0);
  });

  it('every truncation of a valid file is a corrupt error naming the file, never a RangeError', () => {
    const bytes = serialize(ALL, { format: 'pt' });
    for (let len = 0; len < bytes.length; len++) expectCorrupt(() => deserialize(bytes.subarray(0, len), 'cut.safetensors'), 'cut.safetensors');
  });

  it('lying headers are corrupt errors naming the file and the tensor', () => {
    const F = 'x.safetensors';
    expectCorrupt(() => deserialize(handmade(good, data8.slice(0, 6)), F), F, /"a"/, /past the data section/);
    expectCorrupt(() => deserialize(handmade(good, [...data8, 1]), F), F, /trailing bytes/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', data8), F), /"a"/, /needs 12 bytes/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', data8), F), /"a"/, /end before begin/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}', data8), F), /"b"/, /overlap/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8), F), /"a"/, /gap/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}', data8), F), /"a"/, /unsupported dtype "Q4"/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', data8), F), /"a"/, /shape/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', data8), F), /"a"/, /shape/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', data8), F), /shape/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', data8), F), /data_offsets/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[1e300,1e300],"data_offsets":[0,8]}}', data8), F), /shape|needs/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}', data8), F), /"a"/);
    expectCorrupt(() => deserialize(handmade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,9007199254740993]}}', data8), F), /data_offsets/);
    expectCorrupt(() => deserialize(handmade('{"a":[1,2]}', data8), F), /"a"/);
    expectCorrupt(() => deserialize(handmade('{"__metadata__":{"k":1}}'), F), /__metadata__/);
    expectCorrupt(() => deserialize(handmade('{"__metadata__":[]}'), F), /__metadata__/);
  });

  it('a header that is not a JSON object, not UTF-8 or oversized is corrupt', () => {
    expectCorrupt(() => deserialize(handmade('[1,2]')), /does not start/);
    expectCorrupt(() => deserialize(handmade('{"a": ')), /not valid JSON/);
    expectCorrupt(() => deserialize(handmade('null')), /does not start/);
    const bad = handmade('{"\u00e9":1}');
    bad[10] = 0xff;
    expectCorrupt(() => deserialize(bad), /UTF-8/);
    expectCorrupt(() => deserialize(handmade('{}', [], 2n ** 63n)), /exceeds/);
    expectCorrupt(() => deserialize(handmade('{}', [], 2n ** 64n - 1n)), /exceeds/);
    expectCorrupt(() => deserialize(handmade('{}', [], 100_000_001n)), /exceeds/);
    expectCorrupt(() => deserialize(handmade('{}', [], 99n)), /past the end/);
    expectCorrupt(() => parseHeader(new Uint8Array(3), 'tiny'), /tiny/, /shorter/);
  });

  it('random byte corruption gives a valid file or a corrupt error, nothing else (property)', () => {
    const bytes = serialize(ALL, { format: 'pt' });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = bytes.slice();
        for (const [i, v] of edits) b[i] = v;
        try {
          deserialize(b, 'mut.safetensors');
        } catch (e) {
          expect(isGlimpseError(e) && (e as GlimpseError).code === 'corrupt', String(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('safetensors files on disk', () => {
  it('writes atomically and reads single tensors by byte range', async () => {
    const p = join(dir, 'all.safetensors');
    await writeSafetensors(p, ALL, { format: 'pt' });
    const f = SafetensorsFile.open(p);
    try {
      expect(f.names().sort()).toEqual(Object.keys(ALL).sort());
      expect(f.info('i64')).toMatchObject({ dtype: 'I64', shape: [2] });
      expect(Array.from(f.read('i64').data as BigInt64Array)).toEqual([-(2n ** 62n), 2n ** 53n + 1n]);
      expect(Array.from(f.read('bf16').data as Uint16Array)).toEqual([0x3f80, 0xc020]);
      expect(() => f.read('nope')).toThrow(/no tensor named "nope"/);
    } finally {
      f.close();
    }
    expect(() => f.read('i64')).toThrow(/closed/);
    const some = readSafetensors(p, ['u8', 'scalar']);
    expect([...some.tensors.keys()]).toEqual(['u8', 'scalar']);
    expect(some.metadata).toEqual({ format: 'pt' });
    // whole-file read equals the in-memory decode
    expect(deserialize(new Uint8Array(readFileSync(p))).tensors.get('f64')!.data).toEqual(ALL.f64!.data);
  });

  it('streams the same bytes serialize() builds, and leaves no temporary file on failure', async () => {
    const p = join(dir, 'stream.safetensors');
    await writeSafetensors(p, ALL, { format: 'pt' });
    expect(new Uint8Array(readFileSync(p))).toEqual(serialize(ALL, { format: 'pt' }));
    await expect(writeSafetensors(p, ALL, { n: 1 as unknown as string })).rejects.toThrow(/metadata "n" must be a string/);
    writeFileSync(join(dir, 'afile'), 'x');
    await expect(writeSafetensors(join(dir, 'afile', 'x.safetensors'), ALL)).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a truncated or missing file is a clear error naming it', async () => {
    const p = join(dir, 'cut.safetensors');
    await writeSafetensors(p, ALL);
    truncateSync(p, 200);
    expectCorrupt(() => SafetensorsFile.open(p), p);
    truncateSync(p, 5);
    expectCorrupt(() => SafetensorsFile.open(p), p, /shorter/);
    writeFileSync(p, handmade('{}', [], 2n ** 40n));
    expectCorrupt(() => SafetensorsFile.open(p), /exceeds/);
    expect(() => SafetensorsFile.open(join(dir, 'missing.safetensors'))).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
