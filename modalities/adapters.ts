/**
 * The built-in modality adapters, registered by `modalities/registry.ts` on first use.
 * To add an adapter: import it here and append it to the list (one line each).
 * Adapters must not import `registry.ts` (it imports this file).
 */
import type { ModalityAdapter } from './types.js';
import { imageAdapter } from './image/adapter.js';
import { videoAdapter } from './video/adapter.js';
import { svgAdapter } from './svg/adapter.js';
import { timeseriesAdapter } from './timeseries/adapter.js';
import { scene3dAdapter } from './scene3d/adapter.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BUILTIN_ADAPTERS: ReadonlyArray<ModalityAdapter<any>> = [
  imageAdapter,
  videoAdapter,
  svgAdapter,
  timeseriesAdapter,
  scene3dAdapter,
];
