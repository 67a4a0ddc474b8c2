/**
 * Frame extraction: one ffmpeg process per frame with INPUT seeking (`-ss` before `-i`: jump to
 * the keyframe before the target, decode only up to it), run in parallel up to
 * `limits.concurrency`. Each process emits exactly one raw RGB frame and, through ffmpeg's
 * `showinfo` filter, that frame's presentation time and size, so every frame carries its exact
 * timestamp (seconds from the start of the video, `-copyts -start_at_zero`).
 *
 * Seeking to (index − ½) / fps makes ffmpeg's accurate seek drop every frame before `index`, so
 * the first frame out is frame `index` itself.
 */
import { availableParallelism } from 'node:os';
import { GlimpseError } from '../../src/util/errors.js';
import type { ResolvedVideoLimits } from '../limits.js';
import type { RgbImage } from '../types.js';
import { lastErrorLine, runFfmpeg } from './ffmpeg.js';
import type { VideoProbe } from './probe.js';

export interface ExtractedFrame extends RgbImage {
  /** Frame index planned. */
  index: number;
  /** Presentation time of the decoded frame, seconds from the start of the video. */
  time: number;
}

/** Reads `pts_time` and `s:WxH` of the first frame from showinfo's log lines (exported for tests). */
export function parseShowinfo(stderr: string): { time?: number; width?: number; height?: number } {
  const line = stderr.split('\n').find((l) => l.includes('showinfo') && /\bn:\s*0\b/.test(l));
  if (!line) return {};
  const t = /pts_time:\s*(-?[0-9.]+(?:e[-+]?\d+)?)/.exec(line);
  const s = /\bs:(\d+)x(\d+)/.exec(line);
  return {
    ...(t ? { time: Number(t[1]) } : {}),
    ...(s ? { width: Number(s[1]), height: Number(s[2]) } : {}),
  };
}

/** The ffmpeg arguments that extract one frame at `seek` seconds as raw RGB on stdout. */
export function frameArgs(path: string, seek: number, threads: number): string[] {
  return [
    '-threads', String(threads),
    '-ss', seek.toFixed(6),
    '-i', path,
    '-copyts', '-start_at_zero',
    '-map', '0:v:0',
    '-an', '-sn', '-dn',
    '-frames:v', '1',
    '-vf', 'showinfo',
    '-threads', String(threads),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24',
    'pipe:1',
  ];
}

async function extractOne(path: string, name: string, probe: VideoProbe, index: number, limits: ResolvedVideoLimits, threads: number, signal: AbortSignal): Promise<ExtractedFrame> {
  const frameBytes = probe.width * probe.height * 3;
  // a frame past the real end (frame counts are estimated from the duration): step back a frame
  for (let back = 0; back < 4; back++) {
    const at = Math.max(0, index - back);
    const seek = Math.max(0, (at - 0.5) / probe.fps);
    const r = await runFfmpeg(frameArgs(path, seek, threads), { timeoutMs: limits.frameTimeoutMs, signal, name, maxStdoutBytes: frameBytes * 2 + 1024 });
    if (r.stdout.length === 0) {
      if (r.code !== 0) {
        throw new GlimpseError('corrupt', `${name}: cannot decode a frame at ${(at / probe.fps).toFixed(3)} s (${lastErrorLine(r.stderr)})`);
      }
      if (at === 0) break;
      continue;
    }
    const info = parseShowinfo(r.stderr);
    const width = info.width ?? probe.width;
    const height = info.height ?? probe.height;
    if (r.stdout.length !== width * height * 3) {
      throw new GlimpseError('corrupt', `${name}: frame at ${(at / probe.fps).toFixed(3)} s has ${r.stdout.length} bytes, expected ${width}x${height}x3`);
    }
    const time = info.time !== undefined && Number.isFinite(info.time) ? info.time : at / probe.fps;
    return { index: at, time, width, height, data: new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength) };
  }
  throw new GlimpseError('corrupt', `${name}: no decodable frame near ${(index / probe.fps).toFixed(3)} s`);
}

/**
 * Extracts the frames at `indices` (at `probe.fps`) from `path`, at most `limits.concurrency`
 * ffmpeg processes at a time. On the first failure the other processes are killed, and the
 * promise rejects only after all of them have exited. Returns frames in the order of `indices`.
 */
export async function extractFrames(path: string, name: string, probe: VideoProbe, indices: number[], limits: ResolvedVideoLimits, outerSignal?: AbortSignal): Promise<ExtractedFrame[]> {
  const ctrl = new AbortController();
  const onOuter = () => ctrl.abort();
  if (outerSignal?.aborted) ctrl.abort();
  else outerSignal?.addEventListener('abort', onOuter, { once: true });
  const workers = Math.max(1, Math.min(limits.concurrency, indices.length));
  // at least 2 decoder threads per process: frame-threaded H.264 decoding keeps a core busy while
  // another frame waits on its references (1 thread per process measured ~2x slower in bench/video)
  const threads = limits.ffmpegThreads > 0 ? limits.ffmpegThreads : Math.max(2, Math.floor(availableParallelism() / workers));
  const results: ExtractedFrame[] = new Array(indices.length);
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (!ctrl.signal.aborted) {
      const k = next++;
      if (k >= indices.length) return;
      try {
        results[k] = await extractOne(path, name, probe, indices[k]!, limits, threads, ctrl.signal);
      } catch (e) {
        firstError ??= e;
        ctrl.abort();
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    outerSignal?.removeEventListener('abort', onOuter);
  }
  if (firstError !== undefined) throw firstError;
  if (outerSignal?.aborted) throw new GlimpseError('aborted', `${name}: frame extraction aborted`);
  return results;
}
