/**
 * CoordinateMap: converts between a media item's ORIGINAL units (pixels of the original image)
 * and the space a model answers in:
 *
 * - `pixel`    — pixels of the resized model input (Qwen2.5-VL `bbox_2d`);
 * - `norm1000` — integers 0..1000 over the input (Qwen2-VL, InternVL);
 * - `norm1`    — fractions 0..1 over the input.
 *
 * The input may show only a `region` of the original (a crop or zoom-in, in original pixels);
 * by default it shows the whole image. Maps are pure and invertible: `toOriginal(fromOriginal(p))`
 * is `p` up to float rounding.
 *
 * @example
 *   // A 1280×960 photo resized to 644×476 for the model, which answers in input pixels:
 *   const map = createCoordinateMap({ original: [1280, 960], input: [644, 476], space: 'pixel' });
 *   map.boxToOriginal([100, 50, 300, 200]); // -> [198.76..., 100.84..., 596.27..., 403.36...]
 */
import { z } from 'zod';
import type { BBox, Point } from '../data/schema.js';

export const CoordSpaceSchema = z.enum(['pixel', 'norm1000', 'norm1']);
export type CoordSpace = z.infer<typeof CoordSpaceSchema>;

export interface CoordinateMapSpec {
  /** [width, height] of the original media, in pixels. */
  original: [number, number];
  /** [width, height] of the model input; defaults to `original`. */
  input?: [number, number];
  /** The space the model answers in; default `pixel`. */
  space?: CoordSpace;
  /** [x1, y1, x2, y2] of the original that the input shows; default the whole original. */
  region?: BBox;
}

export interface CoordinateMap {
  readonly space: CoordSpace;
  readonly original: readonly [number, number];
  readonly input: readonly [number, number];
  readonly region: readonly [number, number, number, number];
  /** Model-space point -> original pixels. */
  toOriginal(p: Point): Point;
  /** Original pixels -> model-space point. */
  fromOriginal(p: Point): Point;
  /** Model-space box -> original pixels (corners mapped independently). */
  boxToOriginal(b: BBox): BBox;
  /** Original box -> model space. */
  boxFromOriginal(b: BBox): BBox;
  /** The spec this map was made from (JSON-serialisable). */
  toJSON(): Required<CoordinateMapSpec>;
  /** e.g. `norm1000 over 644x476 input of 1280x960 original`. */
  describe(): string;
}

function checkSize(name: string, s: readonly number[]): void {
  if (s.length !== 2 || !s.every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError(`CoordinateMap: ${name} must be [width, height] with positive finite numbers, got ${JSON.stringify(s)}`);
  }
}

/** Builds a CoordinateMap; throws RangeError on non-positive or non-finite sizes. */
export function createCoordinateMap(spec: CoordinateMapSpec): CoordinateMap {
  const original: [number, number] = [spec.original[0], spec.original[1]];
  const input: [number, number] = spec.input ? [spec.input[0], spec.input[1]] : [original[0], original[1]];
  const space: CoordSpace = spec.space ?? 'pixel';
  const region: BBox = spec.region ? [...spec.region] : [0, 0, original[0], original[1]];
  checkSize('original', original);
  checkSize('input', input);
  if (!CoordSpaceSchema.safeParse(space).success) throw new RangeError(`CoordinateMap: unknown space "${String(space)}" (pixel, norm1000, norm1)`);
  if (!region.every(Number.isFinite) || region[2] <= region[0] || region[3] <= region[1]) {
    throw new RangeError(`CoordinateMap: region must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1, got ${JSON.stringify(region)}`);
  }
  // model units per input width/height
  const unit = space === 'pixel' ? input : space === 'norm1000' ? [1000, 1000] : [1, 1];
  const rw = region[2] - region[0];
  const rh = region[3] - region[1];
  const sx = rw / unit[0]!;
  const sy = rh / unit[1]!;
  const toOriginal = (p: Point): Point => [region[0] + p[0] * sx, region[1] + p[1] * sy];
  let description: string | undefined; // built once: rewards put it in their details on every call
  const fromOriginal = (p: Point): Point => [(p[0] - region[0]) / sx, (p[1] - region[1]) / sy];
  return {
    space,
    original,
    input,
    region,
    toOriginal,
    fromOriginal,
    boxToOriginal: (b) => [region[0] + b[0] * sx, region[1] + b[1] * sy, region[0] + b[2] * sx, region[1] + b[3] * sy],
    boxFromOriginal: (b) => [(b[0] - region[0]) / sx, (b[1] - region[1]) / sy, (b[2] - region[0]) / sx, (b[3] - region[1]) / sy],
    toJSON: () => ({ original, input, space, region }),
    describe: () => (description ??=
      `${space} over ${input[0]}x${input[1]} input of ${original[0]}x${original[1]} original` +
      (spec.region ? ` (region ${region.join(',')})` : '')),
  };
}

/** The identity map: the model answers in original pixels. */
export function identityCoordinateMap(size: [number, number] = [1, 1]): CoordinateMap {
  return createCoordinateMap({ original: size, space: 'pixel' });
}

/**
 * The `coords` field of a JSONL record (`glimpse reward`, the reward server):
 * `{"image_size": [W, H], "input_size"?: [w, h], "space"?: "pixel"|"norm1000"|"norm1", "region"?: [...]}`.
 */
export const CoordsRecordSchema = z
  .object({
    image_size: z.tuple([z.number().positive(), z.number().positive()]).describe('[W, H] of the original image'),
    input_size: z.tuple([z.number().positive(), z.number().positive()]).optional().describe('[w, h] of the resized model input'),
    space: CoordSpaceSchema.optional(),
    region: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  })
  .strict();
export type CoordsRecord = z.infer<typeof CoordsRecordSchema>;

/** The `coords` record of a CoordinateMap (the inverse of {@link coordinateMapFromRecord}). */
export function coordsRecordOf(map: CoordinateMap): CoordsRecord {
  const spec = map.toJSON();
  return { image_size: spec.original, input_size: spec.input, space: spec.space, region: spec.region };
}

/** A CoordinateMap from a record's `coords`; `space` overrides the record's own. */
export function coordinateMapFromRecord(rec: CoordsRecord, space?: CoordSpace): CoordinateMap {
  return createCoordinateMap({
    original: rec.image_size,
    input: rec.input_size ?? rec.image_size,
    space: space ?? rec.space ?? 'pixel',
    ...(rec.region ? { region: rec.region } : {}),
  });
}
