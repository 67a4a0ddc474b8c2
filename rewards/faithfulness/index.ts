// Registers the faithfulness reward family; imported (through rewards/semantic/index.ts) by rewards/index.ts.
import './regions.js';

export { citedRegions, RegionsParams, MAX_CITED } from './regions.js';
export { unionAreas, cleanBox } from './area.js';
