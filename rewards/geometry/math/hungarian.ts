/**
 * Minimum-cost assignment (Kuhn 1955, Munkres 1957) in O(n²·m) for an n×m cost matrix, with the
 * shortest-augmenting-path formulation using row/column potentials (Jonker–Volgenant style).
 */

/**
 * Solves the rectangular assignment problem: picks min(n, m) pairs `[row, col]`, each row and
 * column at most once, minimising the summed cost. Returns the pairs sorted by row.
 *
 * - `cost` is `n` rows of `m` numbers; ragged rows are padded, missing entries count as NaN.
 * - Non-finite costs are made finite deterministically: NaN and +Infinity become a cost larger
 *   than any sum of finite costs (so they are used only when unavoidable), −Infinity its negative.
 * - Empty input (`[]` or rows of length 0) gives `[]`. Never throws.
 *
 * @example hungarian([[4, 1], [2, 8]]) // -> [[0, 1], [1, 0]]  (cost 1 + 2)
 */
export function hungarian(cost: ReadonlyArray<ReadonlyArray<number>>): Array<[number, number]> {
  const rows = Array.isArray(cost) ? cost.length : 0;
  let cols = 0;
  for (let i = 0; i < rows; i++) {
    const r = cost[i];
    if (Array.isArray(r) && r.length > cols) cols = r.length;
  }
  if (rows === 0 || cols === 0) return [];

  // Finite copy; transposed when there are more rows than columns (the solver needs n ≤ m).
  let maxAbs = 0;
  for (let i = 0; i < rows; i++) {
    const r = cost[i];
    if (!Array.isArray(r)) continue;
    for (let j = 0; j < r.length; j++) {
      const c = r[j] as number;
      if (typeof c === 'number' && Number.isFinite(c) && Math.abs(c) > maxAbs) maxAbs = Math.abs(c);
    }
  }
  // Costs beyond ~1e100 are scaled down (the optimal assignment is invariant to positive scaling)
  // so that the stand-in for non-finite entries and the potentials stay finite.
  const scale = maxAbs > 1e100 ? 1 / maxAbs : 1;
  const big = (maxAbs * scale + 1) * (Math.min(rows, cols) + 1);
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const a = new Float64Array(n * m);
  for (let i = 0; i < rows; i++) {
    const r = cost[i];
    for (let j = 0; j < cols; j++) {
      const raw = Array.isArray(r) ? (r[j] as unknown) : undefined;
      let c = typeof raw === 'number' ? raw * scale : NaN;
      if (!Number.isFinite(c)) c = raw === -Infinity ? -big : big;
      if (transpose) a[j * m + i] = c;
      else a[i * m + j] = c;
    }
  }

  const colOf = solve(a, n, m); // colOf[row] for rows of the (maybe transposed) matrix
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const j = colOf[i] as number;
    if (j < 0) continue;
    out.push(transpose ? [j, i] : [i, j]);
  }
  out.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return out;
}

/**
 * Core solver for n ≤ m over a row-major Float64Array. Potentials u (rows) and v (columns) keep
 * reduced costs `a[i][j] − u[i] − v[j] ≥ 0`; each row is inserted by a Dijkstra-like search for
 * the cheapest augmenting path. Index 0 of u/v/owner is a sentinel, rows and columns are 1-based.
 */
function solve(a: Float64Array, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const owner = new Int32Array(m + 1); // owner[j] = row (1-based) assigned to column j, 0 = free
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    owner[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = owner[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      const base = (i0 - 1) * m;
      const ui0 = u[i0] as number;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = (a[base + j - 1] as number) - ui0 - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      if (j1 === 0) break; // unreachable with finite costs; guards against a malformed matrix
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          const r = owner[j] as number;
          u[r] = (u[r] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minv[j] = (minv[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    // Augment along the path back to the sentinel.
    while (j0 !== 0) {
      const j1 = way[j0] as number;
      owner[j0] = owner[j1] as number;
      j0 = j1;
    }
  }
  const colOf = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) {
    const r = owner[j] as number;
    if (r > 0) colOf[r - 1] = j - 1;
  }
  return colOf;
}
