/**
 * One SVG render process of the pool (pool.ts): receives `{ id, task }` messages, answers
 * `{ id, ok: true, result }` or `{ id, ok: false, code, message }`. A separate process (not a
 * worker thread) because resvg can abort the whole process on some inputs (a Rust panic that
 * cannot unwind); the pool then replaces this process and the others carry on.
 */
import { isGlimpseError, describeError } from '../../src/util/errors.js';
import { rasterizeSvg, type RasterOptions } from './raster.js';

interface Request {
  id: number;
  svg: string;
  options: RasterOptions;
}

process.on('message', (msg: Request) => {
  let reply: unknown;
  try {
    const result = rasterizeSvg(msg.svg, msg.options);
    reply = { id: msg.id, ok: true, result };
  } catch (e) {
    reply = { id: msg.id, ok: false, code: isGlimpseError(e) ? e.code : 'render_error', message: describeError(e) };
  }
  process.send?.(reply);
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
