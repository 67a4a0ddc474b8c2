// Registers every reward of the format family (imported for its side effects by rewards/index.ts).
import './think_answer.js';
import './grounded.js';
import './json.js';

export { vlmR1FormatMatch, visualRftFormatMatch } from './think_answer.js';
export { checkShape, matchShape, SHAPE_PRESETS, type Shape } from './shape.js';
