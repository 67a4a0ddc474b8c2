// Registers every reward of the shaping family (imported for its side effects by rewards/index.ts).
// Pipeline-level transforms (clip, centre, PAR sigmoid, log-sigmoid) live in ../compose.ts.
import './length.js';
import './patterns.js';

export { lengthIn } from './length.js';
export { DEFAULT_PHRASES } from './patterns.js';
