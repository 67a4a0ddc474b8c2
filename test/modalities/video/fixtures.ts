/** Videos made at test time with ffmpeg's lavfi sources (tiny: a few seconds, 64x48). */
import { tempDir as makeTempDir } from '../../helpers/tmp.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegBinary } from '../../../modalities/video/ffmpeg.js';

/** A fresh temporary folder, removed after the importing test file has run. */
export function tempDir(prefix = 'glimpse-video-'): string {
  return makeTempDir(prefix);
}

/** Runs ffmpeg synchronously (test setup only); throws with its stderr on failure. */
export function ffmpegSync(args: string[]): void {
  const r = spawnSync(ffmpegBinary().path, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/**
 * A "counter" video: frame N is a flat grey of luma 16 + 6·N (lossless H.264), so a decoded
 * frame's red value / 6.986 gives back N, and N / fps its true time.
 */
export function counterVideo(dir: string, opts: { seconds?: number; fps?: number; size?: string; gop?: number; name?: string } = {}): string {
  const { seconds = 3, fps = 10, size = '64x48', gop = 7, name = 'counter.mp4' } = opts;
  const out = join(dir, name);
  if (!existsSync(out)) {
    ffmpegSync(['-f', 'lavfi', '-i', `nullsrc=s=${size}:r=${fps}:d=${seconds},geq=lum='16+N*6':cb=128:cr=128`, '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', '-g', String(gop), out]);
  }
  return out;
}

/** Frame number encoded in a counter-video frame (first pixel's red channel). */
export function counterOf(rgb: Uint8Array): number {
  return Math.round(rgb[0]! / ((255 / 219) * 6));
}

/** A test-pattern video (testsrc), H.264. */
export function patternVideo(dir: string, opts: { seconds?: number; fps?: number; size?: string; name?: string } = {}): string {
  const { seconds = 2, fps = 10, size = '64x48', name = 'pattern.mp4' } = opts;
  const out = join(dir, name);
  if (!existsSync(out)) ffmpegSync(['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out]);
  return out;
}

/** `src` re-muxed with a 90° display rotation tag. */
export function rotatedVideo(dir: string, src: string): string {
  const out = join(dir, 'rotated.mp4');
  if (!existsSync(out)) ffmpegSync(['-i', src, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out]);
  return out;
}

/** An audio-only file (no video stream). */
export function audioOnly(dir: string): string {
  const out = join(dir, 'tone.m4a');
  if (!existsSync(out)) ffmpegSync(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', out]);
  return out;
}

/** PIDs of this process's live child processes (Linux /proc), zombies excluded. */
export function childPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === process.pid && rest[0] !== 'Z') out.push(Number(d));
    } catch {
      // process went away
    }
  }
  return out;
}
