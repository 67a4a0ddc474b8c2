import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkpoint, INDEX_FILE, SINGLE_FILE, writeCheckpoint, serialize, type Tensor } from '../../../../src/policy/weights/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glimpse-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function f32(n: number, start: number): Tensor {
  return { dtype: 'F32', shape: [n], data: Float32Array.from({ length: n }, (_, i) => start + i) };
}

const SET = new Map<string, Tensor>([
  ['model.embed_tokens.weight', f32(10, 0)], // 40 bytes
  ['model.layers.0.mlp.up_proj.weight', f32(6, 100)], // 24
  ['model.layers.0.mlp.down_proj.weight', f32(6, 200)], // 24
  ['lm_head.weight', { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0x4000]) }], // 4
]);

describe('checkpoints', () => {
  it('writes a single model.safetensors when it fits and reads it back by name', async () => {
    const d = join(dir, 'single');
    expect(await writeCheckpoint(d, SET)).toEqual([SINGLE_FILE]);
    const c = Checkpoint.open(d);
    try {
      expect(c.names().sort()).toEqual([...SET.keys()].sort());
      expect(Array.from(c.read('model.layers.0.mlp.up_proj.weight').data as Float32Array)).toEqual([100, 101, 102, 103, 104, 105]);
      expect(c.metadata()).toEqual({ format: 'pt' });
    } finally {
      c.close();
    }
  });

  it('shards like Hugging Face with an index whose total_size is the sum of tensor bytes', async () => {
    const d = join(dir, 'sharded');
    const files = await writeCheckpoint(d, SET, { maxShardBytes: 50 });
    expect(files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', INDEX_FILE]);
    const index = JSON.parse(readFileSync(join(d, INDEX_FILE), 'utf8'));
    expect(index.metadata.total_size).toBe(92);
    expect(index.weight_map).toEqual({
      'model.embed_tokens.weight': 'model-00001-of-00003.safetensors',
      'model.layers.0.mlp.up_proj.weight': 'model-00002-of-00003.safetensors',
      'model.layers.0.mlp.down_proj.weight': 'model-00002-of-00003.safetensors',
      'lm_head.weight': 'model-00003-of-00003.safetensors',
    });
    const c = Checkpoint.open(d);
    try {
      for (const [name, t] of SET) {
        expect(c.info(name)).toMatchObject({ dtype: t.dtype, shape: t.shape });
        expect(Array.from(c.read(name).data as ArrayLike<number>)).toEqual(Array.from(t.data as ArrayLike<number>));
      }
      expect(c.has('nope')).toBe(false);
      expect(() => c.read('nope')).toThrow(/no tensor named "nope"/);
    } finally {
      c.close();
    }
    // opening the index file or a shard directly works too
    const ci = Checkpoint.open(join(d, INDEX_FILE));
    expect(ci.names().length).toBe(4);
    ci.close();
    const cs = Checkpoint.open(join(d, 'model-00002-of-00003.safetensors'));
    expect(cs.names().sort()).toEqual(['model.layers.0.mlp.down_proj.weight', 'model.layers.0.mlp.up_proj.weight']);
    cs.close();
  });

  it('bad indexes are clear errors', () => {
    const d = join(dir, 'bad');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'a.safetensors'), serialize({ x: f32(1, 0) }));
    const idx = join(d, INDEX_FILE);
    writeFileSync(idx, '{ not json');
    expect(() => Checkpoint.open(d)).toThrow(expect.objectContaining({ code: 'corrupt', message: expect.stringMatching(/not valid JSON/) }));
    writeFileSync(idx, JSON.stringify({ weights: {} }));
    expect(() => Checkpoint.open(d)).toThrow(/weight_map/);
    writeFileSync(idx, JSON.stringify({ weight_map: { y: 'a.safetensors' } }));
    expect(() => Checkpoint.open(d)).toThrow(/"y" is listed in a.safetensors but that shard does not hold it/);
    writeFileSync(idx, JSON.stringify({ weight_map: { x: '../../etc/passwd' } }));
    expect(() => Checkpoint.open(d)).toThrow(/outside the checkpoint folder/);
    writeFileSync(idx, JSON.stringify({ weight_map: { x: 'missing.safetensors' } }));
    expect(() => Checkpoint.open(d)).toThrow(expect.objectContaining({ code: 'not_found' }));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => Checkpoint.open(empty)).toThrow(/no model.safetensors.index.json or model.safetensors/);
    expect(existsSync(join(dir, 'nothing-here'))).toBe(false);
    expect(() => Checkpoint.open(join(dir, 'nothing-here'))).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('rejects a non-positive shard size', async () => {
    await expect(writeCheckpoint(join(dir, 'x'), SET, { maxShardBytes: 0 })).rejects.toThrow(/maxShardBytes/);
  });
});
