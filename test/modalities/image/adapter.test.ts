import { describe, expect, it } from 'vitest';
import { imageAdapter } from '../../../modalities/image/adapter.js';
import { getAdapter, knownKinds, registerAdapter } from '../../../modalities/registry.js';
import { runAdapterConformance } from '../../conformance/adapters.js';
import { bombPng, encode, pattern, put, tempDir } from './fixtures.js';

const dir = tempDir();
const files = async () => {
  const png = await encode(pattern(120, 90), 'png');
  return { png, path: put(dir, 'photo.png', png) };
};

runAdapterConformance('image', {
  adapter: imageAdapter,
  validMedia: async () => {
    const { png, path } = await files();
    return [
      { kind: 'image', path },
      { kind: 'image', data: png.toString('base64') },
      { kind: 'image', data: `data:image/jpeg;base64,${(await encode(pattern(300, 40), 'jpeg')).toString('base64')}` },
    ];
  },
  tooLarge: async () => ({ media: { kind: 'image', path: (await files()).path }, options: { limits: { maxInputPixels: 1000 } } }),
  hostileMedia: async () => {
    const png = await encode(pattern(64, 64), 'png');
    return [
      { name: 'decompression bomb', media: { kind: 'image', path: put(dir, 'bomb.png', bombPng()) }, codes: ['too_large'] },
      { name: 'zero-byte file', media: { kind: 'image', path: put(dir, 'zero.jpg', '') }, codes: ['corrupt'] },
      { name: 'truncated PNG', media: { kind: 'image', path: put(dir, 'cut.png', png.subarray(0, png.length >> 1)) }, codes: ['corrupt'] },
      { name: 'unsupported format', media: { kind: 'image', path: put(dir, 'x.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>') }, codes: ['unsupported'] },
      { name: 'bad base64', media: { kind: 'image', data: '!!!not base64!!!' }, codes: ['corrupt'] },
      { name: 'bad options', media: { kind: 'image', path: put(dir, 'ok.png', png) }, codes: ['bad_config'], options: { resize: 'sideways' } },
      { name: 'fixed resize without size', media: { kind: 'image', path: put(dir, 'ok2.png', png) }, codes: ['bad_config'], options: { resize: 'fixed' } },
      { name: 'region outside the image', media: { kind: 'image', path: put(dir, 'ok3.png', png) }, codes: ['bad_input'], options: { region: [500, 500, 600, 600] } },
      { name: 'absurd aspect ratio', media: { kind: 'image', path: put(dir, 'thin.png', await encode(pattern(2000, 2), 'png')) }, codes: ['unsupported'] },
    ];
  },
});

describe('image adapter', () => {
  it('smart-resizes and maps model boxes back to original pixels', async () => {
    const { path } = await files();
    const p = await imageAdapter.prepare({ kind: 'image', path }, { space: 'norm1000' });
    expect([p.images[0]!.width, p.images[0]!.height]).toEqual([112, 84]);
    expect(p.coords.boxToOriginal([0, 0, 1000, 1000])).toEqual([0, 0, 120, 90]);
    expect(p.meta).toMatchObject({ format: 'png', original: [120, 90], input: [112, 84], source: path });
    expect(p.text).toBe('<image>');
  });

  it('resolves relative paths against baseDir', async () => {
    await files();
    const p = await imageAdapter.prepare({ kind: 'image', path: 'photo.png' }, { baseDir: dir, resize: 'none' });
    expect(p.images[0]!.width).toBe(120);
  });

  it('crops a region before resizing; the map goes back to the original', async () => {
    const { path } = await files();
    const p = await imageAdapter.prepare({ kind: 'image', path }, { region: [60, 30, 120, 90], resize: 'fixed', size: [30, 30] });
    expect([p.images[0]!.width, p.images[0]!.height]).toEqual([30, 30]);
    expect(p.coords.toOriginal([0, 0])).toEqual([60, 30]);
    expect(p.coords.toOriginal([30, 30])).toEqual([120, 90]);
  });
});

describe('modality registry', () => {
  it('knows the image adapter and lists known kinds for an unknown one', () => {
    expect(getAdapter('image')).toBe(imageAdapter);
    expect(knownKinds()).toContain('image');
    expect(() => getAdapter('hologram')).toThrow(/known kinds: .*image/);
  });

  it('refuses a second adapter for a kind unless replacing, and rejects malformed adapters', () => {
    expect(() => registerAdapter(imageAdapter)).toThrow(/already registered/);
    expect(() => registerAdapter(imageAdapter, { replace: true })).not.toThrow();
    expect(() => registerAdapter({ kind: 'image' } as never, { replace: true })).toThrow(/prepare/);
  });
});
