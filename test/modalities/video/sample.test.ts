import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linspaceRound, parseSampling, planFrames } from '../../../modalities/video/sample.js';
import { parseFfmpegInfo } from '../../../modalities/video/probe.js';
import { parseShowinfo } from '../../../modalities/video/extract.js';
import { frameResizeSpec, parseVideoOptions } from '../../../modalities/video/frames.js';

const video = (seconds: number, fps: number) => ({ fps, duration: seconds, frameCount: Math.floor(seconds * fps) });

describe('frame planning (Qwen2.5-VL smart_nframes)', () => {
  it('samples 2 fps by default: 10 s at 30 fps -> 20 frames, linspace(0, 299, 20).round()', () => {
    const p = planFrames(video(10, 30), parseSampling({}));
    expect(p.indices.length).toBe(20);
    expect(p.indices.slice(0, 4)).toEqual([0, 16, 31, 47]); // 15.74 -> 16, 31.47 -> 31, 47.21 -> 47
    expect(p.indices.at(-1)).toBe(299);
    expect(p.times[1]).toBeCloseTo(16 / 30, 12);
  });

  it('raises short videos to min_frames = 4 and caps at the frame count (multiple of 2)', () => {
    expect(planFrames(video(1, 10), parseSampling({})).indices).toEqual([0, 3, 6, 9]);
    expect(planFrames(video(0.3, 10), parseSampling({})).indices).toEqual([0, 2]); // 3 frames: floor(min(4, 2, 3)/2)*2 = 2
    expect(planFrames(video(0.1, 10), parseSampling({})).indices).toEqual([0]); // a single frame
  });

  it('caps at max_frames and floors to the frame factor', () => {
    const p = planFrames(video(3600, 30), parseSampling({}));
    expect(p.indices.length).toBe(768);
    expect(planFrames(video(10, 30), parseSampling({ fps: 1.05 })).indices.length).toBe(10); // 10.5 -> 10
  });

  it('samples inside a window [s, e]: start = ceil(s·fps), end = floor(e·fps)', () => {
    const p = planFrames(video(10, 10), parseSampling({ window: [2, 4] }));
    expect(p.range).toEqual([20, 40]);
    expect(p.indices).toEqual([20, 27, 33, 40]);
    const u = planFrames(video(10, 10), parseSampling({ frames: 3, window: [0.05, 0.25] }));
    expect(u.indices).toEqual([1, 2]); // only frames 1 and 2 lie inside
  });

  it('samples exactly N uniform frames, ties to even like torch.round', () => {
    expect(planFrames(video(600, 25), parseSampling({ frames: 16 })).indices.length).toBe(16);
    expect(linspaceRound(0, 5, 3)).toEqual([0, 2, 5]);
    expect(linspaceRound(7, 7, 1)).toEqual([7]);
  });

  it('keeps indices sorted, inside the range, and times = index / fps (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 5000, noNaN: true }), fc.constantFrom(1, 10, 24000 / 1001, 30, 60), fc.option(fc.integer({ min: 1, max: 64 })), (sec, fps, n) => {
        const v = video(sec, fps);
        fc.pre(v.frameCount >= 1);
        const p = planFrames(v, parseSampling(n === null ? {} : { frames: n }));
        expect(p.indices.length).toBeGreaterThan(0);
        for (let i = 0; i < p.indices.length; i++) {
          expect(p.indices[i]).toBeGreaterThanOrEqual(0);
          expect(p.indices[i]).toBeLessThan(v.frameCount);
          if (i > 0) expect(p.indices[i]).toBeGreaterThanOrEqual(p.indices[i - 1]!);
          expect(p.times[i]).toBeCloseTo(p.indices[i]! / fps, 9);
        }
      }),
    );
  });

  it('refuses bad sampling and windows outside the video', () => {
    expect(() => parseSampling({ fps: -1 })).toThrow(/fps/);
    expect(() => parseSampling({ frames: 0 })).toThrow(/frames/);
    expect(() => parseSampling({ window: [5, 2] })).toThrow(/end > start/);
    expect(() => parseSampling({ bogus: 1 })).toThrow(/bogus|Unrecognized/);
    expect(() => planFrames(video(10, 10), parseSampling({ window: [20, 30] }))).toThrow(/after the end/);
    expect(() => planFrames(video(10, 10), parseSampling({ window: [0.01, 0.05] }))).toThrow(/no frame/);
    expect(() => planFrames(video(100, 10), parseSampling({ frames: 900 }), 768)).toThrow(/limit/);
  });

  it('splits the total pixel budget over frames like qwen-vl-utils', () => {
    const o = parseVideoOptions({});
    expect(frameResizeSpec(o, 16)).toMatchObject({ mode: 'smart', maxPixels: 768 * 28 * 28 });
    expect(frameResizeSpec(o, 768)).toMatchObject({ maxPixels: Math.floor(128 * 28 * 28 * 1.05) }); // 24576·784/768·2 = 50176 < 1.05·min
    expect(frameResizeSpec(o, 100)).toMatchObject({ maxPixels: Math.floor((24576 * 28 * 28 * 2) / 100) });
    expect(() => parseVideoOptions({ resize: 'fixed' })).toThrow(/size/);
  });
});

describe('ffmpeg report parsing', () => {
  const old = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Duration: 00:01:02.50, start: 0.040000, bitrate: 21 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 1920x1080 [SAR 1:1 DAR 16:9], 16 kb/s, 29.97 fps, 29.97 tbr, 30k tbn, 59.94 tbc (default)
    Metadata:
      rotate          : 90
      handler_name    : VideoHandler
    Side data:
      displaymatrix: rotation of -90.00 degrees
    Stream #0:1(und): Audio: aac (LC), 44100 Hz, stereo`;
  it('reads duration, start, exact NTSC fps, size, codec and rotation', () => {
    const i = parseFfmpegInfo(old);
    expect(i).toMatchObject({ hasVideo: true, duration: 62.5, startTime: 0.04, codec: 'h264', codedWidth: 1920, codedHeight: 1080, rotation: 90, width: 1080, height: 1920 });
    expect(i.fps).toBeCloseTo(30000 / 1001, 12);
  });

  it('reads newer reports (stream ids, progressive, side data only) and tolerates garbage', () => {
    const i = parseFfmpegInfo(`  Duration: 00:00:02.00, start: 0.000000, bitrate: 21 kb/s
  Stream #0:0[0x1](und): Video: vp9 (Profile 0), yuv420p(tv, progressive), 640x360, SAR 1:1 DAR 16:9, 25 fps, 25 tbr, 1k tbn (default)
      displaymatrix: rotation of 180.00 degrees`);
    expect(i).toMatchObject({ codec: 'vp9', width: 640, height: 360, fps: 25, rotation: 180, duration: 2 });
    expect(parseFfmpegInfo('Duration: N/A').duration).toBeUndefined();
    expect(parseFfmpegInfo('').hasVideo).toBe(false);
    expect(parseFfmpegInfo('\u0000'.repeat(1 << 20)).hasVideo).toBe(false);
  });

  it('reads pts_time and size of the first frame from showinfo', () => {
    const s = '[Parsed_showinfo_0 @ 0x1] config in time_base: 1/10240\n[Parsed_showinfo_0 @ 0x1] n:   0 pts:  13312 pts_time:1.3     pos: 938 fmt:yuv420p sar:1/1 s:48x64 i:P\n[Parsed_showinfo_0 @ 0x1] n:   1 pts: 14336 pts_time:1.4 s:48x64';
    expect(parseShowinfo(s)).toEqual({ time: 1.3, width: 48, height: 64 });
    expect(parseShowinfo('nothing')).toEqual({});
  });
});
