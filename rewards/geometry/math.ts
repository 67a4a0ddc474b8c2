/**
 * The geometry math of glimpse, pure and allocation-free on the hot path: box IoU (continuous,
 * VLM-R1 inclusive-pixel), GIoU, temporal IoU, HC-STVG tube tIoU/vIoU, yaw-aware 3D IoU and the
 * Hungarian assignment. Rewards (rewards/geometry/*.ts) and evaluation metrics build on these.
 * Formulas and citations: docs/geometry.md.
 */
export { iou, iouVlmR1, giou, isValidBox, boxArea, pointInBox, type BoxLike } from './math/box2d.js';
export { temporalIoU, tubeIoU, type TubeIoU } from './math/temporal.js';
export { iou3d, iou3dAxisAligned, isValidBox3D, rotatedRectIntersectionArea, type Box3DLike } from './math/box3d.js';
export { hungarian } from './math/hungarian.js';
