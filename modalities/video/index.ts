/** The video modality's public API (see docs/modalities-image-video.md). */
export { videoAdapter, frameTimestampText } from './adapter.js';
export { sampleVideoFrames, parseVideoOptions, frameResizeSpec, VideoPrepareOptionsSchema, type VideoPrepareOptions, type SampledVideo } from './frames.js';
export { planFrames, parseSampling, SamplingSchema, type FramePlan, type Sampling, type SamplingOptions } from './sample.js';
export { probeVideo, parseFfmpegInfo, type VideoProbe } from './probe.js';
export { extractFrames, type ExtractedFrame } from './extract.js';
export { ffmpegBinary, runFfmpeg, liveFfmpegPids } from './ffmpeg.js';
export { defaultFrameCacheDir, hashFile } from './cache.js';
