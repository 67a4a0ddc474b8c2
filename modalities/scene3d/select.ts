/**
 * View selection: ranks rendered views by how well they show the target objects, after the idea
 * of 3D-R1's dynamic view selection (Huang et al., "3D-R1: Enhancing Reasoning in 3D VLMs for
 * Unified Scene Understanding", 2025), with a deterministic, documented score instead of a
 * learned one.
 *
 * For a target box T and a view v:
 *   visible(T, v) = (points of T that own at least one pixel after the z-buffer in v) / (points of T)
 *   area(T, v)    = area of T's projected 2D box, clipped to the image / image area
 *   score(T, v)   = visible(T, v) × area(T, v)
 * A target with no points inside its box uses, instead of `visible`, the fraction of its 8
 * corners that project inside the image in front of the camera.
 * The view's score is the mean over targets; views are ranked by score, ties by view index.
 * The product rewards views where the target is both unoccluded and large; either factor at 0
 * (hidden behind something, or out of frame) gives 0.
 */
import type { Box3D } from '../../data/schema.js';
import { insideBox } from './camera.js';
import type { PointCloud } from './cloud.js';
import type { RenderedView } from './render.js';

export interface TargetScore {
  index: number;
  label?: string;
  visible: number;
  areaShare: number;
  score: number;
}

export interface ViewScore {
  view: number;
  score: number;
  targets: TargetScore[];
}

/** Indices of the points inside each box (yaw-aware). */
export function pointsInBoxes(cloud: PointCloud, boxes: Box3D[]): Int32Array[] {
  const lists: number[][] = boxes.map(() => []);
  const pos = cloud.positions;
  // a cheap axis-aligned pre-test per box (its yaw-rotated footprint's bounding square)
  const pre = boxes.map((b) => {
    const r = Math.hypot(b.size[0], b.size[1]) / 2;
    return [b.center[0] - r, b.center[0] + r, b.center[1] - r, b.center[1] + r, b.center[2] - b.size[2] / 2, b.center[2] + b.size[2] / 2] as const;
  });
  for (let i = 0; i < cloud.count; i++) {
    const x = pos[i * 3]!;
    const y = pos[i * 3 + 1]!;
    const z = pos[i * 3 + 2]!;
    for (let k = 0; k < boxes.length; k++) {
      const p = pre[k]!;
      if (x < p[0] || x > p[1] || y < p[2] || y > p[3] || z < p[4] || z > p[5]) continue;
      if (insideBox(boxes[k]!, x, y, z)) lists[k]!.push(i);
    }
  }
  return lists.map((l) => Int32Array.from(l));
}

/**
 * Scores and ranks `views` (rendered with `targets` = pointsInBoxes of `targetIdx`'s boxes, in
 * that order). `targetIdx` are indices into the scene's box list. Best view first.
 */
export function rankViews(views: RenderedView[], targetIdx: number[], targetPoints: Int32Array[], boxes: Box3D[]): ViewScore[] {
  const scored = views.map((v, vi) => {
    const targets = targetIdx.map((bi, k): TargetScore => {
      const b2 = v.boxes2d[bi]!;
      const total = targetPoints[k]!.length;
      let visible: number;
      if (total > 0) visible = v.visibleTargetPoints[k]! / total;
      else {
        const W = v.image.width;
        const H = v.image.height;
        visible = b2.corners.filter((c) => c !== null && c[0] >= 0 && c[0] <= W && c[1] >= 0 && c[1] <= H).length / 8;
      }
      const label = boxes[bi]!.label;
      return { index: bi, ...(label !== undefined ? { label } : {}), visible, areaShare: b2.areaShare, score: visible * b2.areaShare };
    });
    const score = targets.length ? targets.reduce((s, t) => s + t.score, 0) / targets.length : 0;
    return { view: vi, score, targets };
  });
  return scored.sort((a, b) => b.score - a.score || a.view - b.view);
}
