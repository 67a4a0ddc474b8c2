/**
 * Conv (N-d, e.g. ViT patch embedding: `conv(pixels [B, 3, H, W], w [D, 3, 14, 14], b, { strides: [14, 14] })`).
 * Gradients: `dx` = ConvTranspose of `dy` with the same weights; `dw` = a Conv of the input with
 * `dy` as the kernel (batch and channel axes swapped, strides and dilations exchanged), group 1;
 * `db` = `dy` summed over batch and space. Spatial sizes must be static for the gradient.
 */
import { GlimpseError } from '../../../util/errors.js';
import type { GraphCore } from '../core.js';
import { registerGradient } from '../registry.js';
import { type Dim, type Tensor, fmtShape } from '../tensor.js';
import { freshDim, requireFloat } from './common.js';

export interface ConvOptions {
  strides?: number[];
  /** [begin_0, ..., begin_n, end_0, ..., end_n] */
  pads?: number[];
  dilations?: number[];
  group?: number;
}

export function conv(g: GraphCore, x: Tensor, w: Tensor, b?: Tensor, o: ConvOptions = {}): Tensor {
  requireFloat(g, x, 'conv');
  g.own(w, 'conv');
  if (b) g.own(b, 'conv');
  const n = x.rank - 2;
  if (n < 1 || w.rank !== x.rank) throw new GlimpseError('bad_argument', `conv: input ${fmtShape(x.shape)} and weight ${fmtShape(w.shape)} need the same rank >= 3`);
  const strides = o.strides ?? Array(n).fill(1);
  const dil = o.dilations ?? Array(n).fill(1);
  const pads = o.pads ?? Array(2 * n).fill(0);
  const group = o.group ?? 1;
  if (strides.length !== n || dil.length !== n || pads.length !== 2 * n) throw new GlimpseError('bad_argument', `conv: strides/dilations need ${n} values and pads ${2 * n}`);
  const out: Dim[] = [x.shape[0]!, w.shape[0]!];
  for (let i = 0; i < n; i++) {
    const s = x.shape[i + 2]!;
    const k = w.shape[i + 2]!;
    if (typeof s === 'number' && typeof k === 'number') {
      const v = Math.floor((s + pads[i]! + pads[i + n]! - dil[i]! * (k - 1) - 1) / strides[i]!) + 1;
      if (v < 1) throw new GlimpseError('bad_argument', `conv: kernel ${fmtShape(w.shape)} does not fit input ${fmtShape(x.shape)}`);
      out.push(v);
    } else out.push(freshDim());
  }
  return g.node1('Conv', [x, w, b], { strides, pads, dilations: dil, group: group === 1 ? undefined : group }, x.dtype, out);
}

registerGradient('Conv', ({ g, x, dy, needs, attrs }) => {
  const [xx, w, b] = [x[0]!, x[1]!, x[2]];
  const d = dy[0]!;
  const n = xx.rank - 2;
  const strides = attrs.strides as number[];
  const dil = attrs.dilations as number[];
  const pads = attrs.pads as number[];
  const group = (attrs.group as number | undefined) ?? 1;
  const S = xx.shape.slice(2);
  const H = d.shape.slice(2);
  const K = w.shape.slice(2);
  if (![...S, ...H, ...K].every((v) => typeof v === 'number')) throw new GlimpseError('unsupported', 'Conv gradient: spatial sizes must be static');
  const s = S as number[];
  const h = H as number[];
  const k = K as number[];
  let dx: Tensor | undefined;
  if (needs[0]) {
    const outPad = s.map((v, i) => v - (strides[i]! * (h[i]! - 1) + (k[i]! - 1) * dil[i]! + 1 - pads[i]! - pads[i + n]!));
    dx = g.node1('ConvTranspose', [d, w], {
      strides, pads, dilations: dil, group: group === 1 ? undefined : group,
      output_padding: outPad.some((p) => p !== 0) ? outPad : undefined,
    }, xx.dtype, xx.shape);
  }
  let dw: Tensor | undefined;
  if (needs[1]) {
    if (group !== 1) throw new GlimpseError('unsupported', 'Conv gradient: the weight gradient of grouped convolutions is not supported');
    const swap = [1, 0, ...Array.from({ length: n }, (_, i) => i + 2)];
    const full = g.conv(g.transpose(xx, swap), g.transpose(d, swap), undefined, { strides: dil, dilations: strides, pads });
    const kw = g.transpose(full, swap); // [O, C, k'...]
    const kk = kw.shape.slice(2);
    dw = kk.every((v, i) => v === k[i]) ? kw : g.slice(kw, k.map(() => 0), k, k.map((_, i) => i + 2));
  }
  const db = needs[2] && b ? g.reduceSum(d, [0, ...Array.from({ length: n }, (_, i) => i + 2)], false) : undefined;
  return [dx, dw, db];
});
