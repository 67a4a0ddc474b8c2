/**
 * Video frame sampling: 16 uniformly sampled frames (native 1280x720 RGB) from a 10-minute 720p
 * H.264 video, glimpse (`sampleVideoFrames`, cache off: probe + plan + parallel per-frame input
 * seeking) against the fastest single ffmpeg command line for the same frames, measured in the
 * same run with the same ffmpeg binary: one process, one input per frame, each with input
 * seeking (`-ss` before `-i`), 16 raw outputs.
 *
 *   npm run bench -- video [--reps N] [--video path.mp4]
 *
 * The video is made once by this bench (a 10 s lavfi testsrc2 segment, x264 veryfast, keyframe
 * every 250 frames, stream-copied 60 times into one 600 s file) and kept in
 * `<tmpdir>/glimpse-bench/`.
 *
 * Prints `RESULT video_vs_ffmpeg <glimpse time / ffmpeg time>` (target ≤ 1.2).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegBinary, runFfmpeg } from '../modalities/video/ffmpeg.js';
import { sampleVideoFrames } from '../modalities/video/frames.js';
import { probeVideo } from '../modalities/video/probe.js';
import { parseSampling, planFrames } from '../modalities/video/sample.js';
import { resolveVideoLimits } from '../modalities/limits.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 3);
const bin = ffmpegBinary();

function ffmpegSync(a: string[]): void {
  const r = spawnSync(bin.path, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...a], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
}

function makeVideo(): string {
  const dir = join(tmpdir(), 'glimpse-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'video-600s-720p-h264.mp4');
  if (existsSync(out)) return out;
  process.stdout.write('making the 10-minute 720p H.264 video (once) ...\n');
  const seg = join(dir, 'segment-10s.mp4');
  ffmpegSync(['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25:duration=10', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '26', '-g', '250', '-pix_fmt', 'yuv420p', seg]);
  const list = join(dir, 'segments.txt');
  writeFileSync(list, Array.from({ length: 60 }, () => `file '${seg}'`).join('\n'));
  const tmp = `${out}.tmp.mp4`;
  ffmpegSync(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', tmp]);
  renameSync(tmp, out);
  return out;
}

const video = arg('--video') ?? makeVideo();
const limits = resolveVideoLimits();
const probe = await probeVideo(video, video, limits);
const plan = planFrames(probe, parseSampling({ frames: 16 }), 768);
process.stdout.write(
  `video: ${video} (${(statSync(video).size / 2 ** 20).toFixed(0)} MiB, ${probe.duration.toFixed(1)} s, ${probe.width}x${probe.height}, ${probe.fps} fps)\n` +
    `ffmpeg: ${bin.path} (${bin.source}); frames: ${plan.indices.join(', ')}\n`,
);

/** The baseline: ONE ffmpeg command, one seeking input per frame, one raw output per frame. */
async function baseline(outDir: string): Promise<number> {
  const a: string[] = [];
  for (const idx of plan.indices) a.push('-ss', Math.max(0, (idx - 0.5) / probe.fps).toFixed(6), '-i', video);
  plan.indices.forEach((_, k) => a.push('-map', `${k}:v:0`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', join(outDir, `f${k}.rgb`)));
  const t0 = performance.now();
  const r = await runFfmpeg(['-y', '-loglevel', 'error', ...a], { timeoutMs: 600_000, name: 'baseline' });
  const dt = performance.now() - t0;
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
  return dt;
}

async function glimpse(): Promise<{ ms: number; frames: Array<{ data: Uint8Array; time: number }> }> {
  const t0 = performance.now();
  const lim: Record<string, number> = {};
  if (arg('--concurrency')) lim.concurrency = Number(arg('--concurrency'));
  if (arg('--threads')) lim.ffmpegThreads = Number(arg('--threads'));
  const r = await sampleVideoFrames(video, { sampling: { frames: 16 }, resize: 'none', cache: false, limits: lim });
  return { ms: performance.now() - t0, frames: r.frames };
}

const outDir = mkdtempSync(join(tmpdir(), 'glimpse-bench-out-'));
const tG: number[] = [];
const tF: number[] = [];
let last: Awaited<ReturnType<typeof glimpse>> | undefined;
// warm the page cache once, then alternate
await baseline(outDir);
for (let i = 0; i < reps; i++) {
  tF.push(await baseline(outDir));
  last = await glimpse();
  tG.push(last.ms);
}
// same frames: glimpse's pixels equal the baseline's
let same = 0;
last!.frames.forEach((f, k) => {
  if (Buffer.from(f.data).equals(readFileSync(join(outDir, `f${k}.rgb`)))) same++;
});
rmSync(outDir, { recursive: true, force: true });

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const g = median(tG);
const f = median(tF);
process.stdout.write(
  `glimpse (probe + 16 frames, cache off): ${tG.map((v) => v.toFixed(0)).join(', ')} ms (median ${g.toFixed(0)})\n` +
    `ffmpeg single command (16 seeking inputs): ${tF.map((v) => v.toFixed(0)).join(', ')} ms (median ${f.toFixed(0)})\n` +
    `identical frames: ${same}/16; timestamps: ${last!.frames.map((x) => x.time.toFixed(2)).join(', ')}\n` +
    `RESULT video_vs_ffmpeg ${(g / f).toFixed(3)}\n`,
);
