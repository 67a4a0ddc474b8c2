/**
 * Importing this module registers every built-in benchmark (one file each); look them up with
 * `getBenchmark(name)` from ../registry.js.
 */
import './refcoco.js';
import './charades-sta.js';

export { getBenchmark, listBenchmarkNames, listBenchmarks, registerBenchmark } from '../registry.js';
