import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { videoAdapter } from '../../../modalities/video/adapter.js';
import { liveFfmpegPids } from '../../../modalities/video/ffmpeg.js';
import { sampleVideoFrames } from '../../../modalities/video/frames.js';
import { probeVideo } from '../../../modalities/video/probe.js';
import { resolveVideoLimits } from '../../../modalities/limits.js';
import { getAdapter } from '../../../modalities/registry.js';
import { isGlimpseError } from '../../../src/util/errors.js';
import { runAdapterConformance } from '../../conformance/adapters.js';
import { audioOnly, childPids, counterOf, counterVideo, patternVideo, rotatedVideo, tempDir } from './fixtures.js';

const dir = tempDir();
const cacheDir = join(dir, 'cache');
const small = { resize: 'none', cache: false, sampling: { frames: 4 } } as const;

runAdapterConformance('video', {
  adapter: videoAdapter,
  options: { ...small },
  validMedia: () => {
    const p = counterVideo(dir);
    return [
      { kind: 'video', path: p },
      { kind: 'video', data: readFileSync(patternVideo(dir)).toString('base64') },
    ];
  },
  tooLarge: () => ({ media: { kind: 'video', path: counterVideo(dir) }, options: { ...small, limits: { maxDurationS: 1 } } }),
  hostileMedia: () => {
    const good = readFileSync(counterVideo(dir));
    return [
      { name: 'zero-byte file', media: { kind: 'video', path: put('zero.mp4', '') }, codes: ['corrupt'] },
      { name: 'text file', media: { kind: 'video', path: put('notes.mp4', 'this is not a video\n'.repeat(50)) }, codes: ['corrupt'] },
      { name: 'truncated mp4', media: { kind: 'video', path: put('cut.mp4', good.subarray(0, good.length >> 1)) }, codes: ['corrupt', 'unsupported'] },
      { name: 'audio only', media: { kind: 'video', path: audioOnly(dir) }, codes: ['unsupported'] },
      { name: 'window after the end', media: { kind: 'video', path: counterVideo(dir) }, codes: ['bad_input'], options: { ...small, sampling: { window: [50, 60] } } },
      { name: 'too many frames', media: { kind: 'video', path: counterVideo(dir) }, codes: ['too_large'], options: { ...small, sampling: { frames: 20 }, limits: { maxFrames: 8 } } },
      { name: 'frame pixel limit', media: { kind: 'video', path: counterVideo(dir) }, codes: ['too_large'], options: { ...small, limits: { maxFramePixels: 100 } } },
      { name: 'bad options', media: { kind: 'video', path: counterVideo(dir) }, codes: ['bad_config'], options: { sampling: { fps: 'fast' } } },
    ];
  },
});

function put(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

describe('video probe', () => {
  it('reads duration, fps, size and rotation', async () => {
    const limits = resolveVideoLimits();
    const p = await probeVideo(counterVideo(dir), 'counter.mp4', limits);
    expect(p).toMatchObject({ duration: 3, fps: 10, width: 64, height: 48, rotation: 0, codec: 'h264', frameCount: 30 });
    const r = await probeVideo(rotatedVideo(dir, counterVideo(dir)), 'rotated.mp4', limits);
    expect([90, 270]).toContain(r.rotation);
    expect([r.width, r.height]).toEqual([48, 64]);
    expect([r.codedWidth, r.codedHeight]).toEqual([64, 48]);
  });
});

describe('video sampling', () => {
  it('gives every frame its exact timestamp: the decoded frame is the planned one', async () => {
    const r = await sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false, sampling: { frames: 7 } });
    expect(r.plan.indices).toEqual([0, 5, 10, 14, 19, 24, 29]); // linspace(0, 29, 7) = 0, 4.83, 9.67, 14.5 -> 14, 19.33, 24.17, 29
    for (const f of r.frames) {
      expect(counterOf(f.data)).toBe(f.index);
      expect(f.time).toBeCloseTo(f.index / 10, 6);
    }
  });

  it('samples 2 fps by default, with Qwen2.5-VL min frames', async () => {
    const r = await sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false });
    expect(r.frames.length).toBe(6); // 30 frames / 10 fps · 2 = 6
    expect(r.frames.map((f) => counterOf(f.data))).toEqual(r.plan.indices);
  });

  it('samples inside a window', async () => {
    const r = await sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false, sampling: { window: [1, 2], frames: 3 } });
    expect(r.frames.map((f) => f.time.toFixed(2))).toEqual(['1.00', '1.50', '2.00']);
    expect(r.frames.map((f) => counterOf(f.data))).toEqual([10, 15, 20]);
  });

  it('reports times from the start of the video when the container starts later (MPEG-TS, start 1.4 s)', async () => {
    const r = await sampleVideoFrames(counterVideo(dir, { name: 'counter.ts' }), { resize: 'none', cache: false, sampling: { frames: 5 } });
    expect(r.probe.startTime).toBeCloseTo(1.4, 6);
    expect(r.frames.map((f) => counterOf(f.data))).toEqual([0, 7, 14, 22, 29]);
    expect(r.frames.map((f) => f.time)).toEqual([0, 0.7, 1.4, 2.2, 2.9]);
  });

  it('can sample the very last frame', async () => {
    const r = await sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false, sampling: { window: [2.85, 3] } });
    expect(r.frames.map((f) => counterOf(f.data))).toEqual([29]);
  });

  it('applies rotation: frames come out in display orientation', async () => {
    const r = await sampleVideoFrames(rotatedVideo(dir, counterVideo(dir)), { resize: 'none', cache: false, sampling: { frames: 2 } });
    expect([r.frames[0]!.width, r.frames[0]!.height]).toEqual([48, 64]);
    expect(r.original).toEqual([48, 64]);
  });

  it('sends frames through the image path (smart resize) with a map back to frame pixels', async () => {
    const r = await sampleVideoFrames(patternVideo(dir), { cache: false, sampling: { frames: 2 }, space: 'norm1000' });
    const f = r.frames[0]!;
    expect(f.width % 28).toBe(0);
    expect(f.width * f.height).toBeGreaterThanOrEqual(128 * 28 * 28);
    expect(r.coords.boxToOriginal([0, 0, 1000, 1000])).toEqual([0, 0, 64, 48]);
  });

  it('caches frames on disk by content and sampling; a copy of the file hits, other sampling misses', async () => {
    const opts = { resize: 'none', cache: { dir: cacheDir }, sampling: { frames: 3 } } as const;
    const a = await sampleVideoFrames(counterVideo(dir), opts);
    expect(a.cache).toBe('miss');
    const copy = put('copy.mp4', readFileSync(counterVideo(dir)));
    const b = await sampleVideoFrames(copy, opts);
    expect(b.cache).toBe('hit');
    expect(b.frames.map((f) => [f.time, f.index, Buffer.from(f.data).toString('base64')])).toEqual(a.frames.map((f) => [f.time, f.index, Buffer.from(f.data).toString('base64')]));
    expect((await sampleVideoFrames(copy, { ...opts, sampling: { frames: 4 } })).cache).toBe('miss');
    // the same path with other content misses (the key is the content, not the name)
    const edited = put('edited.mp4', readFileSync(counterVideo(dir)));
    expect((await sampleVideoFrames(edited, opts)).cache).toBe('hit');
    writeFileSync(edited, readFileSync(patternVideo(dir)));
    const e = await sampleVideoFrames(edited, opts);
    expect(e.cache).toBe('miss');
    expect(e.probe.duration).toBe(2);
    expect(readdirSync(cacheDir).filter((d) => d.startsWith('.tmp'))).toEqual([]);
    // a damaged entry is a miss, not an error
    for (const d of readdirSync(cacheDir)) writeFileSync(join(cacheDir, d, 'meta.json'), '{broken');
    expect((await sampleVideoFrames(copy, opts)).cache).toBe('miss');
  });
});

describe('ffmpeg processes never outlive their call', () => {
  it('kills and reaps ffmpeg on timeout', async () => {
    const before = childPids();
    let err: unknown;
    try {
      await sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false, sampling: { frames: 8 }, limits: { frameTimeoutMs: 1 } });
    } catch (e) {
      err = e;
    }
    expect(isGlimpseError(err) && err.code === 'timeout').toBe(true);
    expect((err as Error).message).toContain('counter.mp4');
    expect(liveFfmpegPids()).toEqual([]);
    expect(childPids().filter((p) => !before.includes(p))).toEqual([]);
  });

  it('kills and reaps ffmpeg when the caller aborts', async () => {
    const ctrl = new AbortController();
    const run = sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false, sampling: { frames: 12 } }, 'counter.mp4', ctrl.signal);
    setTimeout(() => ctrl.abort(), 30);
    await expect(run).rejects.toMatchObject({ code: 'aborted' });
    expect(liveFfmpegPids()).toEqual([]);
  });

  it('starts nothing when the signal is already aborted', async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(sampleVideoFrames(counterVideo(dir), { resize: 'none', cache: false }, 'counter.mp4', ctrl.signal)).rejects.toMatchObject({ code: 'aborted' });
    expect(liveFfmpegPids()).toEqual([]);
  });

  it('leaves no process behind after a decode error either', async () => {
    const good = readFileSync(counterVideo(dir, { name: 'c2.mp4', seconds: 4 }));
    // keep the header, damage the middle: probing works, decoding some frames fails
    const bad = Buffer.from(good);
    bad.fill(0xff, Math.floor(bad.length * 0.3), Math.floor(bad.length * 0.9));
    await videoAdapter.prepare({ kind: 'video', path: put('damaged.mp4', bad) }, { ...small, sampling: { frames: 8 } }).catch(() => undefined);
    expect(liveFfmpegPids()).toEqual([]);
  });
});

describe('video adapter', () => {
  it('is registered and lists frame timestamps in the prompt text', async () => {
    expect(getAdapter('video')).toBe(videoAdapter);
    const p = await videoAdapter.prepare({ kind: 'video', path: counterVideo(dir) }, { ...small, sampling: { frames: 3 } });
    expect(p.text).toBe('Frame 1 at 0.00s: <image>\nFrame 2 at 1.40s: <image>\nFrame 3 at 2.90s: <image>');
    expect(p.images.map((i) => i.time)).toEqual([0, 1.4, 2.9]);
    expect(p.meta).toMatchObject({ duration: 3, fps: 10, size: [64, 48], frameIndices: [0, 14, 29] });
  });
});

describe('ffmpeg binary', () => {
  it('a missing binary is GlimpseError not_available with a hint, not a hang', async () => {
    const old = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = join(dir, 'no-such-ffmpeg');
    try {
      const e = await videoAdapter.prepare({ kind: 'video', path: counterVideo(dir) }, small).catch((x: unknown) => x);
      expect(isGlimpseError(e) && e.code === 'not_available').toBe(true);
      expect((e as Error).message).toContain('no-such-ffmpeg');
      expect((e as { hint?: string }).hint).toMatch(/FFMPEG_PATH/);
    } finally {
      if (old === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = old;
    }
  });
});
