/**
 * `glimpse render frames <video> --out dir [--frames N | --fps F] [--window s,e] [--size WxH] [--json]`
 *
 * Samples frames as the video adapter does (Qwen2.5-VL: 2 fps, 4–768 frames, unless `--frames N`)
 * and writes `frame_0001.png`, ... to the folder, with each frame's exact timestamp in the JSON.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { encodePng } from '../../../modalities/image/encode.js';
import { sampleVideoFrames, type VideoPrepareOptions } from '../../../modalities/video/frames.js';
import { GlimpseError } from '../../util/errors.js';
import { parseNumbers, parseSize, writeOutput } from './image.js';

function positive(s: string, flag: string, integer: boolean): number {
  const v = parseNumbers(s, 1, flag)[0]!;
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new GlimpseError('bad_input', `${flag}: expected a positive ${integer ? 'integer' : 'number'}, got "${s.slice(0, 50)}"`);
  return v;
}

/** Adds `glimpse render frames` to the `render` command. */
export function register(render: Command): void {
  render
    .command('frames')
    .description('sample frames of a video (exact timestamps) and write them as PNGs')
    .argument('<video>', 'video file (anything ffmpeg decodes)')
    .requiredOption('--out <dir>', 'folder to write frame_0001.png, ... into')
    .option('--frames <n>', 'sample exactly N frames, uniformly')
    .option('--fps <f>', 'sample F frames per second of video (default 2, with 4–768 frames, Qwen2.5-VL)')
    .option('--min-frames <n>', 'fps sampling: at least this many frames (default 4)')
    .option('--max-frames <n>', 'fps sampling: at most this many frames (default 768)')
    .option('--window <s,e>', 'only sample between s and e seconds')
    .option('--size <WxH>', 'resize frames to exactly WIDTHxHEIGHT (default: Qwen2-VL smart resize)')
    .option('--resize <mode>', 'smart | fixed | none (with --size: fixed)')
    .option('--no-cache', 'do not read or write the on-disk frame cache')
    .option('--timeout <ms>', 'per-frame ffmpeg timeout in ms (default 60000)')
    .option('--json', 'print metadata (probe, timestamps, coordinate map) as JSON on stdout')
    .action(async (video: string, o: { out: string; frames?: string; fps?: string; minFrames?: string; maxFrames?: string; window?: string; size?: string; resize?: string; cache: boolean; timeout?: string; json?: boolean }) => {
      if (o.frames !== undefined && o.fps !== undefined) throw new GlimpseError('bad_input', '--frames and --fps are exclusive: give one');
      const sampling: Record<string, unknown> = {};
      if (o.frames !== undefined) sampling.frames = positive(o.frames, '--frames', true);
      if (o.fps !== undefined) sampling.fps = positive(o.fps, '--fps', false);
      if (o.minFrames !== undefined) sampling.minFrames = positive(o.minFrames, '--min-frames', true);
      if (o.maxFrames !== undefined) sampling.maxFrames = positive(o.maxFrames, '--max-frames', true);
      if (o.window !== undefined) {
        const [s, e] = parseNumbers(o.window, 2, '--window') as [number, number];
        if (s < 0 || e <= s) throw new GlimpseError('bad_input', `--window: expected 0 ≤ start < end, got ${s},${e}`);
        sampling.window = [s, e];
      }
      const opts: VideoPrepareOptions = { sampling, resize: (o.resize ?? (o.size ? 'fixed' : 'smart')) as 'smart' | 'fixed' | 'none' };
      if (o.size) opts.size = parseSize(o.size);
      if (!o.cache) opts.cache = false;
      if (o.timeout !== undefined) opts.limits = { frameTimeoutMs: positive(o.timeout, '--timeout', true) };
      const r = await sampleVideoFrames(video, opts, video);
      const files: string[] = [];
      for (let i = 0; i < r.frames.length; i++) {
        const f = join(o.out, `frame_${String(i + 1).padStart(4, '0')}.png`);
        await writeOutput(f, await encodePng(r.frames[i]!));
        files.push(f);
      }
      if (o.json) {
        const doc = {
          file: video,
          out: o.out,
          probe: { duration: r.probe.duration, fps: r.probe.fps, size: [r.probe.width, r.probe.height], rotation: r.probe.rotation, codec: r.probe.codec },
          sampling: r.sampling,
          original: r.original,
          size: [r.frames[0]!.width, r.frames[0]!.height],
          coords: r.coords.toJSON(),
          cache: r.cache,
          frames: r.frames.map((f, i) => ({ file: files[i], index: f.index, time: f.time })),
        };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      }
    });
}
