/** The image modality's public API (see docs/modalities-image-video.md). */
export { imageAdapter, ImagePrepareOptionsSchema, parseImageOptions, type ImagePrepareOptions } from './adapter.js';
export { loadImage, sniffImageFormat, SUPPORTED_IMAGE_FORMATS, type ImageFormat, type LoadedImage } from './load.js';
export { encodePng } from './encode.js';
export { smartResize, resizeImage, targetSize, QWEN2VL_FACTOR, QWEN2VL_MIN_PIXELS, QWEN2VL_MAX_PIXELS, type ResizeSpec } from './resize.js';
export { cropRegion, zoomIn, clampRegion } from './crop.js';
export { drawOverlay, OVERLAY_PALETTE, type OverlayItem } from './overlay.js';
export { toPixelValues, preprocessImage, VisionProcessorConfigSchema, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, type PixelValues, type VisionProcessorConfig } from './tensor.js';
