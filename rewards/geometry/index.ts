// Registers every reward of the geometry family (imported for its side effects by rewards/index.ts).
import './iou.js';
import './giou.js';
import './box_acc.js';
import './detection.js';
import './point_in_box.js';
import './temporal_iou.js';
import './tube.js';
import './iou3d.js';

export * from './math.js';
export { hungarianMatch, vlmR1DetectionScore, visualRftRewards, type DetBox, type Match } from './matching.js';
