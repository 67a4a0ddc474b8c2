/**
 * What a modality adapter produces: model-ready images, text to splice into the prompt, and the
 * CoordinateMap between original units and the model's answer space. Each adapter lives in
 * `modalities/<kind>/` and exposes `prepare(media, options) -> Promise<PreparedMedia>`.
 */
export type { CoordinateMap, CoordSpace, CoordinateMapSpec } from './coords.js';
import type { CoordinateMap } from './coords.js';
import type { Media, MediaKind } from '../data/schema.js';

/** An RGB image held in memory: `data` is `width*height*3` bytes, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One model input image, with its position in time for video frames (seconds). */
export interface PreparedImage extends RgbImage {
  /** Timestamp in seconds of the original video (frames only). */
  time?: number;
}

export interface PreparedMedia {
  kind: MediaKind;
  /** Model-ready images (one for an image, N frames for a video, N views for a scene). */
  images: PreparedImage[];
  /** Text to splice into the prompt (placeholders, frame timestamps, serialised series). */
  text: string;
  /** Maps the model's coordinates to original units and back (per image where they differ). */
  coords: CoordinateMap;
  /** Per-image maps when images differ (scene views, crops); `coords` is images[0]'s. */
  perImageCoords?: CoordinateMap[];
  /** Adapter-specific metadata (durations, camera parameters, ...), JSON-serialisable. */
  meta: Record<string, unknown>;
}

export interface ModalityAdapter<Options = Record<string, unknown>> {
  readonly kind: MediaKind;
  prepare(media: Media, options?: Options): Promise<PreparedMedia>;
}
