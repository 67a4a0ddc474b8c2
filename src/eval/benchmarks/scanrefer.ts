/**
 * ScanRefer-style 3D visual grounding (Chen et al., 2020, "ScanRefer: 3D Object Localization in
 * RGB-D Scans using Natural Language"). Acc@k = share of descriptions whose predicted 3D box has
 * IoU ≥ k (inclusive) with the true box, k ∈ {0.25, 0.5}, overall and split into "unique" (the
 * target is the only object of its class in the scene) and "multiple".
 *
 * Data: JSON or JSONL records with ScanRefer's keys (`scene_id`, `object_id`, `object_name`,
 * `ann_id`, `description`) plus the true box, since ScanRefer's own files take boxes from ScanNet
 * meshes: `box` / `gt_box` / `box3d` as `{"center": [x, y, z], "size": [dx, dy, dz], "yaw"?: r}` or
 * `[cx, cy, cz, dx, dy, dz(, yaw)]`, or `aabb` as `[xmin, ymin, zmin, xmax, ymax, zmax]`. The
 * unique/multiple split comes from `unique` (boolean) or `eval_type`; without either it is derived
 * from the records themselves (distinct `object_id`s of the same `object_name` in a scene), which
 * undercounts objects no description mentions — the report says so. `--media` is a folder of
 * scenes for the scene3d adapter (`<scene_id>` + its extension).
 */
import type { Box3D } from '../../../data/schema.js';
import { iou3d } from '../../../rewards/geometry/math.js';
import { parseBoxes3D } from '../../../rewards/parse/index.js';
import { GlimpseError } from '../../util/errors.js';
import { findMedia, num, readRecords, requireDir } from '../loaders/files.js';
import { meanOf, shareAtLeast } from '../metrics.js';
import { registerBenchmark } from '../registry.js';
import type { Benchmark, EvalItem, SampleResult } from '../types.js';
import { THINK_ANSWER, answerText, fillTemplate, show } from './common.js';

const EXPECTED = 'ScanRefer-style JSON/JSONL records {"scene_id", "object_id", "object_name", "description", "box": {"center": [x,y,z], "size": [dx,dy,dz]} or [cx,cy,cz,dx,dy,dz], "unique"?}';

/** A Box3D from the accepted JSON shapes, or undefined. */
export function box3dFrom(r: Record<string, unknown>): Box3D | undefined {
  const v = r.box ?? r.gt_box ?? r.box3d ?? r.bbox_3d ?? r.bbox;
  if (Array.isArray(v) && (v.length === 6 || v.length === 7)) {
    const n = v.map(num);
    if (n.some((x) => x === undefined)) return undefined;
    const [cx, cy, cz, dx, dy, dz, yaw] = n as number[];
    return { center: [cx!, cy!, cz!], size: [dx!, dy!, dz!], ...(yaw !== undefined ? { yaw } : {}) };
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const c = Array.isArray(o.center) ? o.center.map(num) : [];
    const s = Array.isArray(o.size) ? o.size.map(num) : [];
    const yaw = num(o.yaw);
    if (c.length === 3 && s.length === 3 && [...c, ...s].every((x) => x !== undefined)) {
      return { center: c as [number, number, number], size: s as [number, number, number], ...(yaw !== undefined ? { yaw } : {}) };
    }
    return undefined;
  }
  if (Array.isArray(r.aabb) && r.aabb.length === 6) {
    const a = r.aabb.map(num);
    if (a.some((x) => x === undefined)) return undefined;
    const [x0, y0, z0, x1, y1, z1] = a as number[];
    return { center: [(x0! + x1!) / 2, (y0! + y1!) / 2, (z0! + z1!) / 2], size: [x1! - x0!, y1! - y0!, z1! - z0!] };
  }
  return undefined;
}

const accuracies = (rs: readonly SampleResult[]) => ({ 'Acc@0.25': shareAtLeast(rs, 'iou', 0.25), 'Acc@0.5': shareAtLeast(rs, 'iou', 0.5) });

const scanrefer: Benchmark = {
  name: 'scanrefer',
  aliases: ['scanrefer-3d'],
  description: 'ScanRefer-style 3D grounding: one 3D box per description; Acc@0.25/0.5 (IoU ≥ k), unique/multiple',
  paper: 'ScanRefer (Chen et al., 2020)',
  formats: [EXPECTED],
  metrics: ['Acc@0.25', 'Acc@0.5', 'unique Acc@0.25', 'unique Acc@0.5', 'multiple Acc@0.25', 'multiple Acc@0.5', 'mIoU'],
  template: `Locate the object in the 3D scene that matches this description: "{description}". ${THINK_ANSWER} Give its 3D bounding box in scene coordinates as JSON: <answer>{"center": [x, y, z], "size": [dx, dy, dz]}</answer>.`,
  async load(o) {
    const records = readRecords(o.data, '--data', EXPECTED);
    const media = o.media ? requireDir(o.media, '--media', 'the folder of scenes (<scene_id> files for the scene3d adapter)') : undefined;
    const template = o.template ?? this.template;
    const limit = o.limit ?? Infinity;
    const parsed: Array<{ id: string; scene: string; objectId: string; name: string; description: string; box: Box3D; unique?: boolean }> = [];
    for (const [i, rec] of records.entries()) {
      const where = rec.key !== undefined ? `${o.data}["${rec.key}"]` : `${o.data}:${rec.line}`;
      const r = rec.value as Record<string, unknown>;
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new GlimpseError('corrupt', `${where}: expected an object; expected ${EXPECTED}`);
      const scene = r.scene_id;
      const description = r.description ?? r.utterance ?? r.text;
      const box = box3dFrom(r);
      if (typeof scene !== 'string' || typeof description !== 'string' || !box) {
        throw new GlimpseError('corrupt', `${where}: ${typeof scene !== 'string' ? 'no "scene_id"' : typeof description !== 'string' ? 'no "description"' : `no usable box (${show(r.box ?? r.gt_box ?? r.aabb)})`}; expected ${EXPECTED}`);
      }
      const evalType = typeof r.eval_type === 'string' ? r.eval_type.toLowerCase() : undefined;
      const unique = typeof r.unique === 'boolean' ? r.unique : typeof r.is_unique === 'boolean' ? r.is_unique : evalType === 'unique' ? true : evalType === 'multiple' ? false : undefined;
      const objectId = String(r.object_id ?? `obj${i}`);
      const id = String(r.id ?? `${scene}|${objectId}|${String(r.ann_id ?? i)}`);
      parsed.push({ id, scene, objectId, name: String(r.object_name ?? ''), description, box, ...(unique !== undefined ? { unique } : {}) });
    }
    const notes: string[] = [];
    if (parsed.some((p) => p.unique === undefined)) {
      const objs = new Map<string, Set<string>>();
      for (const p of parsed) {
        const k = `${p.scene}\u0000${p.name}`;
        if (!objs.has(k)) objs.set(k, new Set());
        objs.get(k)!.add(p.objectId);
      }
      for (const p of parsed) if (p.unique === undefined) p.unique = objs.get(`${p.scene}\u0000${p.name}`)!.size === 1;
      notes.push('unique/multiple derived from the annotations (no "unique"/"eval_type" field): objects that no description mentions are not counted');
    }
    const all: EvalItem[] = parsed.slice(0, limit).map((p) => ({
      id: p.id,
      sample: {
        id: p.id,
        prompt: fillTemplate(template, { description: p.description, object_name: p.name }),
        media: [{ kind: 'scene3d', path: media ? findMedia(media, p.scene, ['.json', '.ply', '.glb', '.obj', '.npz', '.npy']) ?? `${media}/${p.scene}` : p.scene }],
        answer: { box3d: p.box },
        task: 'scanrefer',
        meta: { scene: p.scene, object_name: p.name },
      },
      groups: { type: p.unique ? 'unique' : 'multiple' },
    }));
    return { total: all.length, items: (async function* () { yield* all; })(), notes };
  },
  async prepare(item, o, withMedia) {
    if (!withMedia) return { request: { id: item.id, prompt: item.sample.prompt } };
    const { getAdapter } = await import('../../../modalities/registry.js');
    let adapter;
    try {
      adapter = getAdapter('scene3d');
    } catch (e) {
      throw new GlimpseError('not_available', `${item.id}: scene views need the scene3d adapter, which is not in this build (${(e as Error).message})`);
    }
    // no boxes drawn: a scene file's own boxes would show the answer
    const p = await adapter.prepare(item.sample.media[0]!, { drawBoxes: false, placeholder: '' });
    const { toEncodedImage } = await import('../images.js');
    const images = [];
    for (const im of p.images) images.push(await toEncodedImage(im));
    return { request: { id: item.id, prompt: p.text ? `${p.text}\n${item.sample.prompt}` : item.sample.prompt, images } };
  },
  oracle(item) {
    const b = item.sample.answer.box3d!;
    return `<think>It is this object.</think><answer>{"center": [${b.center.join(', ')}], "size": [${b.size.join(', ')}]${b.yaw !== undefined ? `, "yaw": ${b.yaw}` : ''}}</answer>`;
  },
  score(item, completion) {
    const a = answerText(completion);
    if (a.failure) return { values: { iou: 0 }, failure: a.failure, reason: a.reason };
    const bs = parseBoxes3D(a.text);
    if (!bs.ok) return { values: { iou: 0 }, failure: 'unparseable', reason: bs.reason };
    const b = bs.value[0]!;
    const pred: Box3D = { center: b.center, size: b.size, ...(b.yaw !== undefined ? { yaw: b.yaw } : {}) };
    return { values: { iou: iou3d(pred, item.sample.answer.box3d!) }, pred: { box3d: pred } };
  },
  aggregate(rs) {
    const u = rs.filter((r) => r.groups.type === 'unique');
    const m = rs.filter((r) => r.groups.type === 'multiple');
    const all = accuracies(rs);
    const au = accuracies(u);
    const am = accuracies(m);
    return { ...all, 'unique Acc@0.25': au['Acc@0.25'], 'unique Acc@0.5': au['Acc@0.5'], 'multiple Acc@0.25': am['Acc@0.25'], 'multiple Acc@0.5': am['Acc@0.5'], mIoU: meanOf(rs, 'iou') };
  },
};

registerBenchmark(scanrefer);
