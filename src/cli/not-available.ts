import { GlimpseError } from '../util/errors.js';

/** Thrown by verbs whose machinery has not landed yet: says so plainly, exit code 2. */
export function notAvailable(verb: string, what: string): never {
  throw new GlimpseError(
    'not_available',
    `\`glimpse ${verb}\` is not available yet: ${what}.`,
    'see README.md, "Status", for what works today',
  );
}
