/** The SVG modality: sanitiser, validity gate, renderer, render pool, extraction, adapter. */
export { svgLimits, SvgLimitsSchema, DEFAULT_SVG_SIZE, DEFAULT_SVG_TIMEOUT_MS, type SvgLimits, type SvgLimitsInput } from './limits.js';
export { sanitizeSvg, decodeXmlText, type SanitizeResult } from './sanitize.js';
export { rasterizeSvg, parseColor, type RasterOptions, type RasterResult, type SvgPlacement } from './raster.js';
export { SvgRenderPool, defaultSvgPool, closeDefaultSvgPool, type SvgPoolOptions, type SvgPoolStats } from './pool.js';
export { renderSvg, renderSvgPng, renderSvgDetailed, checkSvg, type RenderSvgOptions, type SvgVerdict, type SvgFailureCode } from './render.js';
export { extractSvg, type ParseResult, type Found, type NotFound } from './extract.js';
export { svgAdapter, svgCoordinateMap, SvgPrepareOptionsSchema, type SvgPrepareOptions } from './adapter.js';
export { encodeRgbPng, encodePngScanlines } from './png.js';
