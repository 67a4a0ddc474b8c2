import { isGlimpseError } from '../../src/util/errors.js';

/** The GlimpseError code `f` throws, or 'ok' when it returns; other errors propagate. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isGlimpseError(e)) return e.code;
    throw e;
  }
  return 'ok';
}
