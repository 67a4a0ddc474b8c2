/**
 * Probing a video (duration, frame rate, size, rotation) from `ffmpeg -i`'s report, which every
 * ffmpeg build prints (the @ffmpeg-installer build ships no ffprobe).
 */
import { stat } from 'node:fs/promises';
import { GlimpseError } from '../../src/util/errors.js';
import type { ResolvedVideoLimits } from '../limits.js';
import { lastErrorLine, runFfmpeg } from './ffmpeg.js';

export interface VideoProbe {
  /** Seconds, from the container. */
  duration: number;
  /** Container start time in seconds (frame times are reported relative to it). */
  startTime: number;
  /** Frames per second of the first video stream (exact NTSC rates for 23.98/29.97/59.94). */
  fps: number;
  /** Display size after rotation, in pixels (what decoded frames have). */
  width: number;
  height: number;
  /** Coded (stored) size before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise display rotation in degrees: 0, 90, 180 or 270. */
  rotation: number;
  codec: string;
  /** Estimated frame count: floor(duration · fps), at least 1. */
  frameCount: number;
  /** File size in bytes. */
  bytes: number;
}

function parseClock(s: string): number | undefined {
  const m = /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** 29.97 -> 30000/1001 and the like; other rates as printed. */
function exactFps(v: number): number {
  for (const base of [24, 30, 48, 60, 120]) {
    const ntsc = (base * 1000) / 1001;
    if (Math.abs(v - ntsc) < 0.006) return ntsc;
  }
  return v;
}

/**
 * Parses the stderr of `ffmpeg -i <file>` (exported for tests). Returns undefined fields it
 * cannot find; {@link probeVideo} decides what is fatal.
 */
export function parseFfmpegInfo(stderr: string): Partial<Omit<VideoProbe, 'bytes' | 'frameCount'>> & { hasVideo: boolean } {
  const info: Partial<Omit<VideoProbe, 'bytes' | 'frameCount'>> & { hasVideo: boolean } = { hasVideo: false };
  const dur = /Duration:\s*([0-9:.]+|N\/A)(?:,\s*start:\s*(-?[0-9.]+))?/.exec(stderr);
  if (dur && dur[1] !== 'N/A') {
    const d = parseClock(dur[1]!);
    if (d !== undefined) info.duration = d;
  }
  if (dur?.[2] !== undefined) info.startTime = Number(dur[2]);
  const lines = stderr.split('\n');
  const vi = lines.findIndex((l) => /Stream #\d+:\d+.*: Video: /.test(l));
  if (vi < 0) return info;
  info.hasVideo = true;
  const line = lines[vi]!;
  const codec = /Video: ([a-zA-Z0-9_]+)/.exec(line);
  if (codec) info.codec = codec[1]!;
  // the size is the first WxH token after the pixel format (skip hex codec tags like 0x31637661)
  const size = /[ ,](\d{1,6})x(\d{1,6})(?=[ ,[]|$)/.exec(line.slice(line.indexOf('Video:')));
  if (size) {
    info.codedWidth = Number(size[1]);
    info.codedHeight = Number(size[2]);
  }
  const fps = /([0-9.]+)(k?) fps/.exec(line);
  const tbr = /([0-9.]+)(k?) tbr/.exec(line);
  const rate = fps ?? tbr;
  if (rate) info.fps = exactFps(Number(rate[1]) * (rate[2] === 'k' ? 1000 : 1));
  // rotation: stream metadata `rotate : 90` (older ffmpeg) or side data `displaymatrix: rotation of -90.00 degrees`
  let rotation = 0;
  for (let i = vi + 1; i < lines.length && !/Stream #\d+:\d+/.test(lines[i]!); i++) {
    const l = lines[i]!;
    const r1 = /^\s*rotate\s*:\s*(-?\d+)/.exec(l);
    if (r1) rotation = Number(r1[1]);
    const r2 = /rotation of (-?[0-9.]+) degrees/.exec(l);
    if (r2) rotation = -Number(r2[1]); // display matrix angle is counter-clockwise
  }
  rotation = (((Math.round(rotation / 90) * 90) % 360) + 360) % 360;
  info.rotation = rotation;
  if (info.codedWidth !== undefined && info.codedHeight !== undefined) {
    const swap = rotation === 90 || rotation === 270;
    info.width = swap ? info.codedHeight : info.codedWidth;
    info.height = swap ? info.codedWidth : info.codedHeight;
  }
  return info;
}

/**
 * Probes `path` (a file). Errors: `not_found`, `corrupt` (zero bytes, not a media file),
 * `unsupported` (no video stream, unknown duration or rate), `too_large` (limits), `timeout`.
 */
export async function probeVideo(path: string, name: string, limits: ResolvedVideoLimits, signal?: AbortSignal): Promise<VideoProbe> {
  let bytes: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new GlimpseError('unsupported', `${name}: not a regular file`);
    bytes = s.size;
  } catch (e) {
    if (e instanceof GlimpseError) throw e;
    throw new GlimpseError('not_found', `${name}: file not found`, undefined, { cause: e });
  }
  if (bytes === 0) throw new GlimpseError('corrupt', `${name}: empty file (0 bytes)`);
  if (bytes > limits.maxBytes) throw new GlimpseError('too_large', `${name}: ${bytes} bytes exceeds the limit of ${limits.maxBytes} bytes`, 'raise limits.maxBytes');
  // `-i file` with no output: ffmpeg prints the report and exits 1 by design
  const r = await runFfmpeg(['-i', path], { timeoutMs: limits.probeTimeoutMs, name, maxStdoutBytes: 0, ...(signal ? { signal } : {}) });
  const info = parseFfmpegInfo(r.stderr);
  if (!/Input #0/.test(r.stderr)) {
    throw new GlimpseError('corrupt', `${name}: not a readable video (${lastErrorLine(r.stderr)})`);
  }
  if (!info.hasVideo) throw new GlimpseError('unsupported', `${name}: no video stream`);
  if (info.duration === undefined || !(info.duration > 0)) throw new GlimpseError('unsupported', `${name}: cannot determine the duration`);
  if (info.fps === undefined || !(info.fps > 0) || !Number.isFinite(info.fps)) throw new GlimpseError('unsupported', `${name}: cannot determine the frame rate`);
  if (info.width === undefined || info.height === undefined || !(info.width > 0 && info.height > 0)) {
    throw new GlimpseError('unsupported', `${name}: cannot determine the frame size`);
  }
  if (info.duration > limits.maxDurationS) {
    throw new GlimpseError('too_large', `${name}: duration ${info.duration.toFixed(1)} s exceeds the limit of ${limits.maxDurationS} s`, 'raise limits.maxDurationS');
  }
  if (info.width * info.height > limits.maxFramePixels) {
    throw new GlimpseError('too_large', `${name}: frames of ${info.width}x${info.height} exceed the limit of ${limits.maxFramePixels} pixels`, 'raise limits.maxFramePixels');
  }
  return {
    duration: info.duration,
    startTime: info.startTime ?? 0,
    fps: info.fps,
    width: info.width,
    height: info.height,
    codedWidth: info.codedWidth!,
    codedHeight: info.codedHeight!,
    rotation: info.rotation ?? 0,
    codec: info.codec ?? 'unknown',
    frameCount: Math.max(1, Math.floor(info.duration * info.fps + 1e-6)),
    bytes,
  };
}
