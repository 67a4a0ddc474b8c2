// Registers every reward of the accuracy family (imported for its side effects by rewards/index.ts).
import './choice.js';
import './number.js';
import './text.js';

export { gtLetter } from './choice.js';
export { normalizeAnswer } from './text.js';
