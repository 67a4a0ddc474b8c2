/**
 * Importing this module registers every built-in benchmark (one file each); look them up with
 * `getBenchmark(name)` from ../registry.js.
 */
import './refcoco.js';
import './charades-sta.js';
import './hc-stvg.js';
import './scanrefer.js';
import './svg.js';
import './timeseries.js';
import './mcq.js';
import './synthetic.js';

export { getBenchmark, listBenchmarkNames, listBenchmarks, registerBenchmark } from '../registry.js';
