/**
 * Importing this module registers every built-in reward. Consumers (the CLI, the reward server's
 * workers, the trainer) import it once, then look rewards up by name in ./registry.js, or compile
 * a pipeline with compilePipeline / loadPipelineFile.
 */
import './format/index.js';
import './accuracy/index.js';
import './geometry/index.js';
import './shaping/index.js';
import './semantic/index.js';
import './drawing/index.js';

export { getReward, listRewardNames, listRewards, registerReward } from './registry.js';
export { compilePipeline, compileShaping, describeParams, loadPipelineFile, logSigmoid, type Pipeline, type ShapeOp } from './compose.js';
export { parseRewardRecord, type RewardRecordResult } from './record.js';
export type * from './types.js';
