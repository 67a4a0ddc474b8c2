import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/policy/graph/builder.js';
import { GraphRunner, checkProvider, createSession, sessionOptions, shapeSignature } from '../../../src/policy/runner.js';

function scaleGraph(): GraphBuilder {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', ['batch', 'n']);
  g.output('y', g.mul(x, 2));
  return g;
}
const feed = (b: number, n: number) => ({ x: new ort.Tensor('float32', Float32Array.from({ length: b * n }, (_, i) => i), [b, n]) });

describe('GraphRunner', () => {
  it('compiles once per shape signature and reuses the session', async () => {
    const built: string[] = [];
    const r = new GraphRunner((dims, sig) => {
      built.push(sig);
      expect(dims.x).toBeDefined();
      return scaleGraph();
    });
    const a = await r.run(feed(2, 3));
    await r.run(feed(2, 3));
    await r.run(feed(4, 3));
    expect(Array.from(a.y!.data as Float32Array)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(built).toEqual(['x:float32[2,3]', 'x:float32[4,3]']);
    expect(r.size).toBe(2);
    await r.release();
    expect(r.size).toBe(0);
  });

  it('evicts the least recently used session past maxSessions', async () => {
    let builds = 0;
    const r = new GraphRunner(() => {
      builds++;
      return scaleGraph().toBytes();
    }, { maxSessions: 2 });
    await r.run(feed(1, 1));
    await r.run(feed(1, 2));
    await r.run(feed(1, 1)); // refresh
    await r.run(feed(1, 3)); // evicts [1,2]
    await r.run(feed(1, 1)); // still cached
    expect(builds).toBe(3);
    await r.run(feed(1, 2));
    expect(builds).toBe(4);
    await r.release();
  });

  it('names missing and unknown feeds', async () => {
    const r = new GraphRunner(() => scaleGraph());
    await expect(r.run({})).rejects.toThrow(/missing feeds x/);
    await expect(r.run({ ...feed(1, 1), z: new ort.Tensor('float32', new Float32Array(1), [1]) })).rejects.toThrow(/unknown feeds z/);
    await r.release();
  });

  it('signatures are order-independent and include dtype and dims', () => {
    const a = new ort.Tensor('float32', new Float32Array(2), [1, 2]);
    const b = new ort.Tensor('int64', new BigInt64Array(3), [3]);
    expect(shapeSignature({ a, b })).toBe(shapeSignature({ b, a }));
    expect(shapeSignature({ a, b })).toBe('a:float32[1,2];b:int64[3]');
  });

  it('rejects bad options and corrupt models with GlimpseErrors', async () => {
    expect(() => sessionOptions({ intraOpThreads: 0 })).toThrow(/intraOpThreads must be an integer/);
    expect(() => sessionOptions({ interOpThreads: 1.5 })).toThrow(/interOpThreads/);
    expect(() => new GraphRunner(() => scaleGraph(), { maxSessions: 0 })).toThrow(/maxSessions/);
    expect(() => checkProvider('tpu' as 'cpu')).toThrow(/unknown execution provider 'tpu' \(known: cpu, cuda\)/);
    await expect(createSession(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toMatchObject({ code: 'corrupt' });
    await expect(createSession('/nonexistent/model.onnx')).rejects.toThrow(/nonexistent/);
    const o = sessionOptions();
    expect(o.graphOptimizationLevel).toBe('all');
    expect(o.executionProviders).toEqual(['cpu']);
    expect(o.extra).toBeUndefined();
  });

  it('spinning: false turns off spin-waiting of the thread pools, and such a session computes the same', async () => {
    const o = sessionOptions({ spinning: false, intraOpThreads: 2 });
    expect(o.extra).toEqual({ session: { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } });
    const s = await createSession(scaleGraph(), { spinning: false, intraOpThreads: 2 });
    const r = await s.run(feed(2, 3));
    expect(Array.from(r.y!.data as Float32Array)).toEqual([0, 2, 4, 6, 8, 10]);
    await s.release();
  });

  it('cuda: runs when this onnxruntime-node has it, else a clear not_available error', async () => {
    let available = true;
    try {
      checkProvider('cuda');
    } catch (e) {
      available = false;
      expect(e).toMatchObject({ code: 'not_available' });
      expect(String((e as Error).message)).toMatch(/'cuda' execution provider is not available/);
    }
    if (available) {
      const r = new GraphRunner(() => scaleGraph(), { provider: 'cuda' });
      const out = await r.run(feed(1, 2));
      expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 2]);
      await r.release();
    } else {
      expect(() => new GraphRunner(() => scaleGraph(), { provider: 'cuda' })).toThrow(/not available/);
    }
  });
});

describe('GraphRunner: bad feeds', () => {
  it('a feed of the wrong dtype or rank is a GlimpseError, not a crash', async () => {
    const r = new GraphRunner(() => scaleGraph());
    await expect(r.run({ x: new ort.Tensor('int64', new BigInt64Array(2), [1, 2]) })).rejects.toMatchObject({ name: 'GlimpseError' });
    await expect(r.run({ x: new ort.Tensor('float32', new Float32Array(2), [2]) })).rejects.toMatchObject({ name: 'GlimpseError' });
    await r.release();
  });

  it('a factory that throws does not poison the cache', async () => {
    let fail = true;
    const r = new GraphRunner(() => {
      if (fail) throw new Error('build failed');
      return scaleGraph();
    });
    await expect(r.run(feed(1, 1))).rejects.toThrow(/build failed/);
    fail = false;
    const out = await r.run(feed(1, 1));
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0]);
    await r.release();
  });
});
