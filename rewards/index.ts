/**
 * Importing this module registers every built-in reward. Consumers (the CLI, the reward server's
 * workers, the trainer) import it once, then look rewards up by name in ./registry.js.
 */
import './format/index.js';
import './accuracy/index.js';
import './geometry/index.js';
import './shaping/index.js';

export { getReward, listRewardNames, listRewards, registerReward } from './registry.js';
export type * from './types.js';
