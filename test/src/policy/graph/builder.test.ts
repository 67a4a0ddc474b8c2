import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../../src/policy/graph/builder.js';

describe('GraphBuilder', () => {
  it('infers dtypes and partly symbolic shapes', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['batch', 'seq', 8]);
    const w = g.initializer('w', new Float32Array(8 * 4), [8, 4]);
    const y = g.matmul(x, w);
    expect(y.shape).toEqual(['batch', 'seq', 4]);
    expect(g.reshape(y, ['batch', 'seq', 2, 2]).shape).toEqual(['batch', 'seq', 2, 2]);
    expect(g.reshape(y, [-1, 4]).shape[1]).toBe(4);
    expect(g.transpose(g.reshape(y, ['batch', 'seq', 2, 2]), [0, 2, 1, 3]).shape).toEqual(['batch', 2, 'seq', 2]);
    expect(g.reduceSum(y, [1], false).shape).toEqual(['batch', 4]);
    expect(g.equal(y, 0).dtype).toBe('bool');
    expect(g.concat([y, y], -1).shape).toEqual(['batch', 'seq', 8]);
    expect(g.slice(y, [1], [3], [2]).shape).toEqual(['batch', 'seq', 2]);
    expect(g.gather(g.initializer('emb', new Float32Array(40), [10, 4]), g.input('ids', 'int64', ['batch', 'seq'])).shape).toEqual(['batch', 'seq', 4]);
  });

  it('rejects bad arguments with messages naming the op and the tensor', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2, 3]);
    expect(() => g.input('x', 'float32', [1])).toThrow(/'x' is already used/);
    expect(() => g.input('y', 'float32', [-1])).toThrow(/dimension -1/);
    expect(() => g.input('z', 'float32', [Number.NaN])).toThrow(/dimension NaN/);
    expect(() => g.add(x, g.input('b', 'float32', [4]))).toThrow(/do not broadcast/);
    expect(() => g.add(x, g.input('i', 'int64', [3]))).toThrow(/dtypes differ/);
    expect(() => g.softmax(x, 5)).toThrow(/softmax: axis 5 is out of range/);
    expect(() => g.exp(g.input('k', 'int64', [2]))).toThrow(/a float tensor is required/);
    expect(() => g.reshape(x, [4, 2])).toThrow(/cannot reshape \[2, 3\]/);
    expect(() => g.initializer('w', new Float32Array(5), [2, 3])).toThrow(/5 values for shape \[2, 3\]/);
    expect(() => g.transpose(x, [0, 0])).toThrow(/not a permutation/);
    expect(() => g.split(x, [1, 1], 1)).toThrow(/sum to 2/);
    expect(() => new GraphBuilder({ opset: 12 })).toThrow(/opset 12/);
    const other = new GraphBuilder();
    expect(() => other.relu(x)).toThrow(/belongs to another graph/);
    expect(() => g.reshape(x, ['nope', -1])).toThrow(/'nope' is not declared by any graph input/);
    expect(() => g.toBytes()).toThrow(/no outputs/);
    expect(() => g.tensor('missing')).toThrow(/no value named 'missing'/);
  });

  it('serialises a model ONNX Runtime loads from memory, with named inputs and outputs', async () => {
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('x', 'float32', ['n', 3]);
    const w = g.initializer('w', new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 2]), [3, 3]);
    g.output('y', g.relu(g.matmul(x, w)));
    g.output('m', g.reduceMean(x, [1], false));
    const s = await ort.InferenceSession.create(g.toBytes());
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y', 'm']);
    const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, -2, 3, 0, 0, 0]), [2, 3]) });
    expect(Array.from(r.y!.data as Float32Array)).toEqual([1, 0, 6, 0, 0, 0]);
    expect((r.m!.data as Float32Array)[0]).toBeCloseTo(2 / 3, 6);
  });

  it('deduplicates constants and drops dead nodes and unused constants', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [2]);
    g.mul(x, 3); // dead
    const a = g.add(x, 1);
    const b = g.add(x, 1); // duplicate of a
    g.output('y', g.mul(a, b));
    const m = onnxProto.onnx.ModelProto.decode(g.toBytes());
    expect(m.graph!.node!.map((n) => n.opType).sort()).toEqual(['Add', 'Identity', 'Mul'].sort());
    expect(m.graph!.initializer!.length).toBe(1);
    expect(Number(m.opsetImport[0]!.version)).toBe(18);
  });

  it('saves large weights as external data that ONNX Runtime reads from the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glimpse-graph-'));
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 512]);
    const big = Float32Array.from({ length: 512 * 512 }, (_, i) => (i % 513 === 0 ? 1 : 0)); // identity, 1 MiB
    g.output('y', g.matmul(x, g.initializer('w', big, [512, 512])));
    const out = g.save(join(dir, 'model.onnx'), { externalDataThreshold: 1024 });
    expect(out.data).toBe(join(dir, 'model.onnx.data'));
    expect(statSync(out.model).size).toBeLessThan(10_000);
    expect(statSync(out.data!).size).toBeGreaterThanOrEqual(512 * 512 * 4);
    const s = await ort.InferenceSession.create(out.model);
    const input = Float32Array.from({ length: 512 }, (_, i) => i);
    const r = await s.run({ x: new ort.Tensor('float32', input, [1, 512]) });
    expect(Array.from(r.y!.data as Float32Array).slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(readFileSync(out.model).length).toBeGreaterThan(0);
  });
});

describe('GraphBuilder: unusual input', () => {
  it('unicode and long names survive serialisation', async () => {
    const g = new GraphBuilder();
    const name = `x→ü ${'名'.repeat(2000)}`;
    const x = g.input(name, 'float32', ['n']);
    g.output('y', g.mul(x, 2));
    const s = await ort.InferenceSession.create(g.toBytes());
    expect(s.inputNames).toEqual([name]);
  });

  it('NaN and infinities propagate through forward and backward without crashing', async () => {
    const { grad } = await import('../../../../src/policy/graph/autodiff.js');
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [3]);
    const loss = g.reduceSum(g.mul(g.tanh(x), x), undefined, false);
    g.output('loss', loss);
    g.output('dx', grad(g, loss, [x])[0]!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([Number.NaN, 1, Number.POSITIVE_INFINITY]), [3]) });
    expect(Number.isNaN((r.loss!.data as Float32Array)[0])).toBe(true);
    expect(Number.isNaN((r.dx!.data as Float32Array)[0])).toBe(true);
    expect((r.dx!.data as Float32Array)[1]).toBeCloseTo(Math.tanh(1) + 1 - Math.tanh(1) ** 2, 5);
  });

  it('empty tensors (a zero-size batch) run forward and backward', async () => {
    const { grad } = await import('../../../../src/policy/graph/autodiff.js');
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 4]);
    const w = g.input('w', 'float32', [4, 2]);
    const loss = g.reduceSum(g.matmul(x, w), undefined, false);
    g.output('dw', grad(g, loss, [w])[0]!);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: new ort.Tensor('float32', new Float32Array(0), [0, 4]), w: new ort.Tensor('float32', new Float32Array(8), [4, 2]) });
    expect(Array.from(r.dw!.data as Float32Array)).toEqual(new Array(8).fill(0));
  });

  it('absurd sizes are caught before allocating', () => {
    const g = new GraphBuilder();
    expect(() => g.initializer('w', new Float32Array(4), [1e9, 1e9])).toThrow(/4 values for shape/);
    expect(() => g.input('x', 'float32', [1.5])).toThrow(/non-negative integer/);
    expect(() => g.initializer('h', new Uint16Array(2), [2])).toThrow(/explicit dtype/);
    expect(g.initializer('h16', new Uint16Array(2), [2], 'float16').dtype).toBe('float16');
    expect(g.initializer('u8', new Uint8Array(2), [2]).dtype).toBe('uint8');
    const x = g.input('x2', 'float32', [2, 3]);
    expect(() => g.slice(x, [0], [1], [0], [0])).toThrow(/steps must be non-zero/);
    expect(() => g.pad(x, [1, 1])).toThrow(/pads must be 4/);
    expect(() => g.conv(x, x)).toThrow(/rank >= 3/);
  });
});

describe('GraphBuilder: names and integer helpers', () => {
  it('node outputs never collide with user names that look generated', async () => {
    const g = new GraphBuilder();
    const x = g.input('Add_0_out', 'float32', [2]);
    const y = g.add(x, 1);
    expect(y.name).not.toBe('Add_0_out');
    g.output('y', y);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ Add_0_out: new ort.Tensor('float32', new Float32Array([1, 2]), [2]) });
    expect(Array.from(r.y!.data as Float32Array)).toEqual([2, 3]);
  });

  it('range and argMax', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['b', 4]);
    const am = g.argMax(x, -1);
    expect(am.shape).toEqual(['b']);
    expect(am.dtype).toBe('int64');
    g.output('am', am);
    g.output('r', g.range(g.constant([0], 'int64', []), g.constant([5], 'int64', []), g.constant([2], 'int64', [])));
    expect(() => g.argMax(x, 2)).toThrow(/out of range/);
    const s = await ort.InferenceSession.create(g.toBytes());
    const r = await s.run({ x: new ort.Tensor('float32', new Float32Array([0, 3, 1, 2, 9, 0, 0, 1]), [2, 4]) });
    expect(Array.from(r.am!.data as BigInt64Array, Number)).toEqual([1, 0]);
    expect(Array.from(r.r!.data as BigInt64Array, Number)).toEqual([0, 2, 4]);
  });
});
