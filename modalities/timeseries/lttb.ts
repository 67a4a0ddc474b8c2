/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, "Downsampling Time Series for Visual
 * Representation", MSc thesis, University of Iceland, 2013, §4.2): keeps the first and last
 * point, splits the rest into `threshold − 2` equal buckets, and from each bucket keeps the point
 * forming the largest triangle with the point kept in the previous bucket and the average of the
 * next bucket. O(n) time, O(threshold) memory: 1 million points take a few milliseconds.
 *
 * Gaps: NaN values split the series into runs of finite values; each run is downsampled on its
 * own with a share of `threshold` proportional to its length (at least its two ends), so gaps
 * stay gaps. When there are more runs than `threshold`, every k-th run keeps one point.
 */

/**
 * Indices (ascending) of the points LTTB keeps from `y` (and `x`, default the index), at most
 * about `threshold` of them (a few more when NaN gaps force run ends to be kept).
 */
export function lttbIndices(y: ArrayLike<number>, threshold: number, x?: ArrayLike<number>): Int32Array {
  const n = y.length;
  const th = Math.max(3, Math.floor(threshold));
  // runs of finite values
  const runs: Array<[number, number]> = [];
  let finite = 0;
  for (let i = 0; i < n; ) {
    while (i < n && !Number.isFinite(y[i]!)) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && Number.isFinite(y[j]!)) j++;
    runs.push([i, j]);
    finite += j - i;
    i = j;
  }
  if (finite <= th) {
    const out = new Int32Array(finite);
    let k = 0;
    for (const [a, b] of runs) for (let i = a; i < b; i++) out[k++] = i;
    return out;
  }
  if (runs.length > th / 2) {
    // too fragmented to draw lines: thin the runs, one point each
    const step = Math.ceil(runs.length / th);
    const out: number[] = [];
    for (let r = 0; r < runs.length; r += step) out.push(runs[r]![0]);
    return Int32Array.from(out);
  }
  const out: number[] = [];
  for (const [a, b] of runs) {
    const len = b - a;
    const share = Math.max(2, Math.round((th * len) / finite));
    lttbRun(y, x, a, b, share, out);
  }
  return Int32Array.from(out);
}

/** LTTB on the finite run [a, b) keeping `m` points, appended to `out`. */
function lttbRun(y: ArrayLike<number>, x: ArrayLike<number> | undefined, a: number, b: number, m: number, out: number[]): void {
  const len = b - a;
  if (len <= m) {
    for (let i = a; i < b; i++) out.push(i);
    return;
  }
  const X = (i: number) => (x ? x[i]! : i);
  const every = (len - 2) / (m - 2);
  let prev = a;
  out.push(a);
  for (let k = 0; k < m - 2; k++) {
    // average of the next bucket
    let avgStart = a + Math.floor((k + 1) * every) + 1;
    let avgEnd = a + Math.floor((k + 2) * every) + 1;
    if (avgEnd > b) avgEnd = b;
    if (avgStart >= avgEnd) avgStart = avgEnd - 1;
    let ax = 0;
    let ay = 0;
    for (let i = avgStart; i < avgEnd; i++) {
      ax += X(i);
      ay += y[i]!;
    }
    const cnt = avgEnd - avgStart;
    ax /= cnt;
    ay /= cnt;
    // this bucket
    const start = a + Math.floor(k * every) + 1;
    const end = Math.min(a + Math.floor((k + 1) * every) + 1, b - 1);
    const px = X(prev);
    const py = y[prev]!;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((px - ax) * (y[i]! - py) - (px - X(i)) * (ay - py));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(best);
    prev = best;
  }
  out.push(b - 1);
}
