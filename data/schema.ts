/**
 * The Sample record and the ground-truth vocabulary shared by every reward, metric, dataset
 * loader and synthetic task. Ground truth is always in the media's ORIGINAL units: pixels of the
 * original image, seconds of the video, scene units for 3D.
 *
 * @example
 *   const s: Sample = {
 *     id: 'refcoco-17',
 *     prompt: 'Find the man in the red shirt.',
 *     media: [{ kind: 'image', path: 'images/17.jpg' }],
 *     answer: { bbox: [12, 40, 200, 310] },
 *   };
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** [x1, y1, x2, y2] in original pixels; x1 ≤ x2 and y1 ≤ y2 for valid ground truth. */
export const BBoxSchema = z.tuple([finite, finite, finite, finite]).describe('[x1, y1, x2, y2] in original pixels');
export type BBox = [number, number, number, number];

/** [x, y] in original pixels. */
export const PointSchema = z.tuple([finite, finite]).describe('[x, y] in original pixels');
export type Point = [number, number];

/** [start, end] in seconds of the original video. */
export const SpanSchema = z.tuple([finite, finite]).describe('[start, end] in seconds');
export type Span = [number, number];

export const LabeledBoxSchema = z.object({ bbox: BBoxSchema, label: z.string().optional() });
export type LabeledBox = z.infer<typeof LabeledBoxSchema>;

/**
 * A spatio-temporal tube: boxes keyed by frame index (`frames`) or by time in seconds (`times`).
 * Keys are strings in JSON; `{"frames": {"12": [x1,y1,x2,y2], ...}}`.
 */
export const TubeSchema = z
  .object({
    frames: z.record(z.string(), BBoxSchema).optional(),
    times: z.record(z.string(), BBoxSchema).optional(),
  })
  .refine((t) => (t.frames ? 1 : 0) + (t.times ? 1 : 0) === 1, 'a tube has exactly one of "frames" or "times"');
export type Tube = z.infer<typeof TubeSchema>;

/** A 3D box: centre and size in scene units, optional yaw (radians, about the up axis z). */
export const Box3DSchema = z.object({
  center: z.tuple([finite, finite, finite]),
  size: z.tuple([finite, finite, finite]),
  yaw: finite.optional(),
  label: z.string().optional(),
});
export type Box3D = z.infer<typeof Box3DSchema>;

/** Ground truth. Any subset of fields may be present; rewards read the one they need. */
export const AnswerSchema = z
  .object({
    bbox: BBoxSchema.optional(),
    boxes: z.array(LabeledBoxSchema).optional(),
    point: PointSchema.optional(),
    span: SpanSchema.optional(),
    tube: TubeSchema.optional(),
    box3d: Box3DSchema.optional(),
    boxes3d: z.array(Box3DSchema).optional(),
    choice: z.string().optional(),
    number: finite.optional(),
    text: z.string().optional(),
    label: z.string().optional(),
  })
  .passthrough();
export type Answer = z.infer<typeof AnswerSchema>;

export const MediaKindSchema = z.enum(['image', 'video', 'svg', 'timeseries', 'scene3d']);
export type MediaKind = z.infer<typeof MediaKindSchema>;

/** One media item: a path (relative to the dataset file) or inline data (base64 / text). */
export const MediaSchema = z
  .object({
    kind: MediaKindSchema,
    path: z.string().optional(),
    data: z.string().optional().describe('inline content: base64 for binary media, text for SVG/CSV/JSON'),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((m) => m.path !== undefined || m.data !== undefined, 'a media item needs "path" or "data"');
export type Media = z.infer<typeof MediaSchema>;

export const SampleSchema = z.object({
  id: z.string().min(1),
  prompt: z.string(),
  media: z.array(MediaSchema).default([]),
  answer: AnswerSchema,
  task: z.string().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type Sample = z.infer<typeof SampleSchema>;
/** A Sample as written in JSON, before defaults are applied. */
export type SampleInput = z.input<typeof SampleSchema>;

/** Parses `value` as a Sample; returns the issues as one readable line on failure. */
export function parseSample(value: unknown): { ok: true; sample: Sample } | { ok: false; error: string } {
  const r = SampleSchema.safeParse(value);
  if (r.success) return { ok: true, sample: r.data };
  return { ok: false, error: formatZodError(r.error) };
}

/** One line per issue, `path: message`, joined by '; '. */
export function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}
