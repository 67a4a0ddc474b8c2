/**
 * The video adapter: sampled frames (each with its exact timestamp), the prompt text listing the
 * frame times, and the CoordinateMap from decoded-frame pixels to the model input (the same for
 * every frame). Inline (base64) videos are written to a temporary file for seeking, removed after.
 *
 * @example
 *   const p = await videoAdapter.prepare({ kind: 'video', path: 'clip.mp4' }, { sampling: { fps: 2 } });
 *   p.text;            // "Frame 1 at 0.00s: <image>\nFrame 2 at 0.50s: <image>..."
 *   p.images[3].time;  // 1.5
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Media } from '../../data/schema.js';
import { mediaName, mediaSource, namingErrors } from '../image/source.js';
import { resolveVideoLimits } from '../limits.js';
import type { ModalityAdapter, PreparedMedia } from '../types.js';
import { parseVideoOptions, sampleVideoFrames, type VideoPrepareOptions } from './frames.js';

/** `Frame i at t s: <placeholder>` lines, one per frame. */
export function frameTimestampText(times: number[], placeholder: string): string {
  return times.map((t, i) => `Frame ${i + 1} at ${t.toFixed(2)}s: ${placeholder}`).join('\n');
}

async function prepareVideoUnnamed(media: Media, options?: VideoPrepareOptions): Promise<PreparedMedia> {
  const o = parseVideoOptions(options);
  const limits = resolveVideoLimits(o.limits);
  const src = mediaSource(media, { baseDir: o.baseDir, maxBytes: Math.min(limits.maxBytes, 2 ** 31 - 1), kind: 'video' });
  let path: string;
  let tmp: string | undefined;
  if (src.kind === 'bytes') {
    tmp = await mkdtemp(join(tmpdir(), 'glimpse-video-'));
    path = join(tmp, `inline-${randomBytes(4).toString('hex')}`);
    await writeFile(path, src.bytes);
  } else {
    path = src.path;
  }
  try {
    const r = await sampleVideoFrames(path, options, src.name);
    const times = r.frames.map((f) => f.time);
    return {
      kind: 'video',
      images: r.frames.map((f) => ({ width: f.width, height: f.height, data: f.data, time: f.time })),
      text: frameTimestampText(times, o.placeholder),
      coords: r.coords,
      meta: {
        source: src.kind === 'path' ? src.name : '<inline>',
        duration: r.probe.duration,
        fps: r.probe.fps,
        size: [r.probe.width, r.probe.height],
        rotation: r.probe.rotation,
        codec: r.probe.codec,
        original: r.original,
        input: [r.frames[0]!.width, r.frames[0]!.height],
        times,
        frameIndices: r.frames.map((f) => f.index),
        sampling: r.sampling,
        coords: r.coords.toJSON(),
        cache: r.cache,
      },
    };
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** The video ModalityAdapter (registered as `video`). */
export const videoAdapter: ModalityAdapter<VideoPrepareOptions> = {
  kind: 'video',
  prepare: (media, options) => namingErrors(mediaName(media, 'video'), () => prepareVideoUnnamed(media, options)),
};
