/**
 * Models that do not generate: a JSONL file of pre-computed predictions, scored as if a model had
 * written them, and the `oracle`, which answers with the ground truth (a check that loaders,
 * parsers, coordinate maps and metrics agree: it should score 100 %, up to rounding).
 *
 * Predictions file: one JSON object per line, `{"id": "...", "completion": "..."}`; `text`,
 * `prediction`, `response` or `output` are accepted for `completion`; an optional `coords`
 * (`{"image_size": [W, H], "input_size"?: [w, h], "space"?: "pixel"|"norm1000"|"norm1"}`) says
 * which space the boxes are in (else `--coords` over the original image).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CoordsRecordSchema } from '../../../modalities/coords.js';
import { GlimpseError } from '../../util/errors.js';
import type { EvalModel, Generation } from '../types.js';

const TEXT_KEYS = ['completion', 'text', 'prediction', 'response', 'output'] as const;

/** Reads a predictions JSONL file into a map id -> generation. Bad lines are errors naming the line. */
export async function readPredictions(path: string): Promise<Map<string, Generation>> {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new GlimpseError('not_found', `--predictions ${path}: file not found (expected JSONL lines {"id": ..., "completion": ...})`);
  }
  const out = new Map<string, Generation>();
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      rl.close();
      throw new GlimpseError('corrupt', `${path}:${n}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      rl.close();
      throw new GlimpseError('corrupt', `${path}:${n}: expected an object {"id": ..., "completion": ...}`);
    }
    const id = typeof v.id === 'string' ? v.id : typeof v.id === 'number' ? String(v.id) : undefined;
    const key = TEXT_KEYS.find((k) => typeof v[k] === 'string');
    if (id === undefined || key === undefined) {
      rl.close();
      throw new GlimpseError('corrupt', `${path}:${n}: needs a string "id" and a string "completion" (or ${TEXT_KEYS.slice(1).join('/')})`);
    }
    const g: Generation = { text: v[key] as string };
    if (v.coords !== undefined) {
      const c = CoordsRecordSchema.safeParse(v.coords);
      if (!c.success) {
        rl.close();
        throw new GlimpseError('corrupt', `${path}:${n}: "coords" must be {"image_size": [W, H], "input_size"?: [w, h], "space"?: ...}`);
      }
      g.coords = { original: c.data.image_size, input: c.data.input_size ?? c.data.image_size, ...(c.data.space ? { space: c.data.space } : {}), ...(c.data.region ? { region: c.data.region } : {}) };
    }
    out.set(id, g);
  }
  return out;
}

/** The predictions-file model: looks each request up by id; a missing id is a per-sample error. */
export async function createPredictionsModel(path: string): Promise<EvalModel> {
  const preds = await readPredictions(path);
  return {
    name: `predictions:${path}`,
    needs: { media: false },
    async generate(requests, _sampling, options = {}) {
      const out: Generation[] = [];
      for (const [i, r] of requests.entries()) {
        const g = preds.get(r.id) ?? { text: '', error: `no prediction for id "${r.id}" in ${path}` };
        out.push(g);
        await options.onResult?.(i, g);
      }
      return out;
    },
  };
}

/** The oracle: answers each request with its `reference` (the ground truth, formatted). */
export function createOracleModel(): EvalModel {
  return {
    name: 'oracle',
    needs: { media: false, reference: true },
    async generate(requests, _sampling, options = {}) {
      const out: Generation[] = [];
      for (const [i, r] of requests.entries()) {
        const g: Generation = r.reference !== undefined ? { text: r.reference } : { text: '', error: 'no reference answer' };
        out.push(g);
        await options.onResult?.(i, g);
      }
      return out;
    },
  };
}
