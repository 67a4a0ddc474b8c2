/**
 * Output parsing: total functions (they never throw) that find tagged sections, boxes, points,
 * time spans, 3D boxes, option letters and numbers in a model's completion, and say what they
 * found and where (`[start, end)` offsets, `via` = the convention), or why they found nothing.
 * See docs/rewards.md, "Parsing".
 */
export { found, notFound, total, type Found, type NotFound, type ParseResult } from './types.js';
export { extractTag, scanTags, sections, type TagToken, type TagSection } from './tags.js';
export { parseBoxes, type ParsedBox } from './boxes.js';
export { parsePoints, type ParsedPoint } from './points.js';
export { parseSpan, timeToSeconds } from './span.js';
export { parseBoxes3D, type ParsedBox3D } from './boxes3d.js';
export { parseChoice } from './choice.js';
export { parseNumber, lastBoxed, SIGNED_SRC, UNSIGNED_SRC, INT_SRC } from './numbers.js';
export { parseLenientJson } from './json.js';
