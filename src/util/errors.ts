/**
 * The error every glimpse module throws for a condition a user can act on. `code` is a stable,
 * machine-readable cause (`corrupt`, `too_large`, `unsupported`, `timeout`, `not_found`,
 * `bad_config`, `unknown_name`, `not_available`, ...); the message names the file or argument and
 * the cause in one line. The CLI prints `message` (and `hint`) without a stack trace.
 *
 * @example
 *   throw new GlimpseError('corrupt', `${file}: PNG is truncated (expected 1200 bytes, got 310)`);
 */
export class GlimpseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GlimpseError';
  }
}

/** True when `e` is a GlimpseError (also across module copies, by name and code). */
export function isGlimpseError(e: unknown): e is GlimpseError {
  return e instanceof GlimpseError || (e instanceof Error && e.name === 'GlimpseError' && typeof (e as { code?: unknown }).code === 'string');
}

/** A short, single-line description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e);
}
