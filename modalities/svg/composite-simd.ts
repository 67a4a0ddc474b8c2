/**
 * The compositing step of an SVG render (premultiplied RGBA over an opaque background, to RGB)
 * as a small WebAssembly SIMD kernel, 4 pixels at a time: with the copy of the render into the
 * module's memory, 2.1× faster than the JavaScript loop over the corpus at 256² (~80 vs ~170 µs;
 * that loop was ~7 % of a render process's CPU). The module is assembled here from its
 * instructions (no binary in the repository); where WebAssembly SIMD is missing, `simdCompositor`
 * is undefined and raster.ts keeps its JavaScript loop. Both give the same bytes (tested).
 *
 * Per pixel with alpha a and premultiplied colour c, over background b (per channel):
 *   out = min(255, c + round(b · (255 − a) / 255))
 * with round(t / 255) computed exactly as (u + (u >> 8)) >> 8, u = t + 128 (t ≤ 255²), and the
 * saturating add covering the rare pixel whose colour exceeds its alpha; a pixel of alpha 0 is
 * background whatever its colour (as in the JavaScript loop).
 *
 * Instruction encodings: WebAssembly core specification 2.0, "Binary Format – Instructions"
 * (vector instructions carry the 0xFD prefix and a LEB128 opcode).
 */

/** A render's premultiplied RGBA pixels and where they land on the output. */
export interface RenderedPixels {
  /** Premultiplied RGBA, `width` pixels a row. */
  rgba: Uint8Array;
  width: number;
  /** The part that lands on the output (`rw × rh` pixels from the top left), and where. */
  rw: number;
  rh: number;
  ox: number;
  oy: number;
}

export interface SimdCompositor {
  /**
   * Composites `src` over `bg` into `height` rows of `stride` bytes (RGB from byte `lead` of each
   * row; the bytes before it 0; background where the render does not reach). The rows are a view
   * of the module's memory, valid until the next call. `ink`: some pixel had alpha > 0.
   * Undefined for renders a few pixels wide or over MAX_MEMORY, which the JavaScript loop does.
   */
  composite(src: RenderedPixels, stride: number, lead: number, width: number, height: number, bg: readonly [number, number, number]): { rows: Uint8Array; ink: boolean } | undefined;
}

/**
 * Fills `out` (`height` rows of `stride` bytes) with the background from byte `lead` of each
 * row on, and sets the `lead` bytes of each row to 0.
 */
export function fillBackground(out: Uint8Array, stride: number, lead: number, width: number, height: number, bg: readonly [number, number, number]): void {
  const [br, bgc, bb] = bg;
  if (br === bgc && bgc === bb) out.fill(br, 0, stride * height);
  else {
    for (let p = lead; p < lead + width * 3; p += 3) {
      out[p] = br;
      out[p + 1] = bgc;
      out[p + 2] = bb;
    }
    for (let y = 1; y < height; y++) out.copyWithin(y * stride, 0, stride);
  }
  if (lead > 0) for (let y = 0; y < height; y++) out.fill(0, y * stride, y * stride + lead);
}

const SIMD = 0xfd;
/** Vector opcodes used by the kernel. */
const V = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  eq8: 0x23,
  not: 0x4d,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  anyTrue: 0x53,
  narrowI16x8U: 0x66,
  addSatU8: 0x70,
  shrU16: 0x8d,
  add16: 0x8e,
  extmulLowU8: 0x9e,
  extmulHighU8: 0x9f,
} as const;
const I32 = 0x7f;
const V128 = 0x7b;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (op: number, ...imm: number[]): number[] => [SIMD, ...leb(op), ...imm];
const mem = (op: number): number[] => vec(op, 0, 0); // alignment hint 1 byte, offset 0
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const tee = (i: number): number[] => [0x22, i];
const i32 = (v: number): number[] => [0x41, ...leb(v)]; // small non-negative constants only

/** One section: id, then its contents prefixed by their length. */
function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

/** A length-prefixed vector of items. */
function vector(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
}

/**
 * The module: `comp(src, dst, groups, rows, stride) -> ink` composites `rows` rows of `groups`
 * groups of 4 pixels each, from `src` (16 bytes a group, rows back to back) to `dst` (12 bytes a
 * group, rows `stride` bytes apart), over the 16-byte background pattern at address 0
 * (r g b r g b r g b r g b r g b r). Each group's store writes 16 bytes: the last 4 are the
 * background pattern going on, overwritten by the next group; after a row's last group they
 * land on the 4 bytes after it. Returns 1 when any alpha byte was non-zero. Memory `mem` is
 * exported.
 */
export function compositorModuleBytes(): Uint8Array {
  // params 0 src, 1 dst, 2 groups, 3 rows, 4 stride; i32 locals 5 rowEnd, 6 d;
  // v128 locals 7 bg, 8 ink, 9 px, 10 lo, 11 hi, 12 inv, 13 k128, 14 alpha
  const [SRC, DST, GROUPS, ROWS, STRIDE, ROW_END, D, BGV, INK, PX, LO, HI, INV, K128, ALPHA] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
  // lanes 16+ come from the zero vector: past the 12 RGB bytes, colour 0 and alpha 0 (background)
  const alphaLanes = [3, 3, 3, 7, 7, 7, 11, 11, 11, 15, 15, 15, 16, 16, 16, 16];
  const rgbLanes = [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 16, 16, 16];
  const zero = new Array<number>(16).fill(0);
  const k128 = Array.from({ length: 8 }, () => [128, 0]).flat(); // i16x8 splat 128
  const alphaMask = Array.from({ length: 4 }, () => [0, 0, 0, 255]).flat();
  // (u + (u >> 8)) >> 8 on the i16x8 on top of the stack, kept in local `x`
  const div255 = (x: number) => [...tee(x), ...get(x), ...i32(8), ...vec(V.shrU16), ...vec(V.add16), ...i32(8), ...vec(V.shrU16), ...set(x)];
  const code = [
    ...i32(0), ...mem(V.load), ...set(BGV),
    ...vec(V.const, ...k128), ...set(K128),
    0x02, 0x40, // block: rows
    ...get(ROWS), 0x45 /* i32.eqz */, 0x0d, 0 /* br_if 0 */,
    0x03, 0x40, // loop: rows
    ...get(SRC), ...get(GROUPS), ...i32(4), 0x74 /* i32.shl */, 0x6a /* i32.add */, ...set(ROW_END),
    ...get(DST), ...set(D),
    0x03, 0x40, // loop: groups
    ...get(SRC), ...mem(V.load), ...tee(PX),
    ...vec(V.const, ...zero), ...vec(V.shuffle, ...alphaLanes), ...tee(ALPHA), ...vec(V.not), ...set(INV), // 255 − a per channel
    ...get(INV), ...get(BGV), ...vec(V.extmulLowU8), ...get(K128), ...vec(V.add16), ...div255(LO),
    ...get(INV), ...get(BGV), ...vec(V.extmulHighU8), ...get(K128), ...vec(V.add16), ...div255(HI),
    ...get(D),
    ...get(PX), ...vec(V.const, ...zero), ...vec(V.shuffle, ...rgbLanes),
    ...get(ALPHA), ...vec(V.const, ...zero), ...vec(V.eq8), ...vec(V.andnot), // alpha 0: no colour
    ...get(LO), ...get(HI), ...vec(V.narrowI16x8U),
    ...vec(V.addSatU8),
    ...mem(V.store),
    ...get(INK), ...get(PX), ...vec(V.or), ...set(INK),
    ...get(D), ...i32(12), 0x6a, ...set(D),
    ...get(SRC), ...i32(16), 0x6a, ...tee(SRC), ...get(ROW_END), 0x49 /* i32.lt_u */, 0x0d, 0 /* br_if 0 */,
    0x0b, // end loop: groups
    ...get(DST), ...get(STRIDE), 0x6a, ...set(DST),
    ...get(ROWS), ...i32(1), 0x6b /* i32.sub */, ...tee(ROWS), 0x0d, 0 /* br_if 0 */,
    0x0b, // end loop: rows
    0x0b, // end block
    ...get(INK), ...vec(V.const, ...alphaMask), ...vec(V.and), ...vec(V.anyTrue),
    0x0b, // end function
  ];
  const locals = vector([[2, I32], [8, V128]]);
  const body = [...locals, ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, 5, I32, I32, I32, I32, I32, 1, I32]])), // type: (i32 × 5) -> i32
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0x00, 1]])), // memory: 1 page to start
    ...section(7, vector([[...name('comp'), 0x00, 0], [...name('mem'), 0x02, 0]])),
    ...section(10, vector([[...leb(body.length), ...body]])),
  ];
  return Uint8Array.from(bytes);
}

/**
 * The most memory the module may grow to (it never shrinks): renders up to ~2000² pixels; larger
 * ones go through the JavaScript loop rather than leave a render process holding their size.
 */
export const MAX_MEMORY = 32 << 20;

interface Exports {
  comp(src: number, dst: number, groups: number, rows: number, stride: number): number;
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
}

/** The parts of the WebAssembly API used here (this project's TypeScript lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

function instantiate(): SimdCompositor | undefined {
  let ex: Exports;
  try {
    const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = compositorModuleBytes();
    if (!wasm || !wasm.validate(bytes)) return undefined;
    ex = new wasm.Instance(new wasm.Module(bytes)).exports as Exports;
  } catch {
    return undefined;
  }
  return {
    composite(src, stride, lead, width, height, bg) {
      const { rgba, rw, rh, ox, oy } = src;
      // module memory: the background pattern at 0, the render's rows (each padded with
      // transparent pixels to whole groups of 4), then the output rows
      const groups = (Math.max(0, rw) + 3) >> 2;
      // what the stores write past a row's end must stay within the next row's part left of its
      // pixels' end (all but tiny renders): else the caller's loop does it
      const over = (ox + groups * 4) * 3 + 4 - width * 3;
      if (over > lead + (ox + rw) * 3) return undefined;
      const pitch = groups * 16;
      const SRC = 64;
      const OUT = SRC + pitch * Math.max(0, rh) + 16;
      const need = OUT + stride * height + 16;
      if (need > MAX_MEMORY) return undefined;
      if (ex.mem.buffer.byteLength < need) ex.mem.grow(Math.ceil((need - ex.mem.buffer.byteLength) / 65536));
      const m = new Uint8Array(ex.mem.buffer);
      const rows = m.subarray(OUT, OUT + stride * height);
      fillBackground(rows, stride, lead, width, height, bg);
      if (rw <= 0 || rh <= 0) return { rows, ink: false };
      for (let k = 0; k < 16; k++) m[k] = bg[k % 3]!;
      if (rw === src.width && pitch === rw * 4) m.set(rgba.subarray(0, rw * rh * 4), SRC);
      else {
        for (let y = 0; y < rh; y++) {
          const at = SRC + y * pitch;
          m.set(rgba.subarray(y * src.width * 4, (y * src.width + rw) * 4), at);
          m.fill(0, at + rw * 4, at + pitch);
        }
      }
      const ink = ex.comp(SRC, OUT + oy * stride + lead + ox * 3, groups, rh, stride) !== 0;
      // past each row's pixels the stores wrote background (padding pixels, then the pattern
      // going on), right within the row; what went over the row's end onto the next row's start
      // is put back, where the next row's own pixels do not cover it
      if (over > 0) {
        for (let y = oy + 1; y <= Math.min(height - 1, oy + rh); y++) {
          const n = y < oy + rh ? Math.min(over, lead + ox * 3) : over;
          const at = y * stride;
          for (let k = 0; k < n; k++) rows[at + k] = k < lead ? 0 : bg[(k - lead) % 3]!;
        }
      }
      return { rows, ink };
    },
  };
}

/** The SIMD compositor, or undefined where WebAssembly SIMD is unavailable. */
export const simdCompositor: SimdCompositor | undefined = instantiate();
