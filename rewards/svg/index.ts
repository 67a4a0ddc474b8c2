// Registers the svg reward family; imported by rewards/index.ts.
import './render_check.js';

export { checkSvgCompletion, checkSvgCompletions, type SvgCheckOptions, type SvgCheckResult, type SvgTerm } from './pipeline.js';
export { RenderCheckParams, SVG_VARIANTS, svgDescription, svgWeights, svgDetails } from './render_check.js';
