/**
 * The summary `glimpse reward` prints on stderr: per component the mean score (over non-null
 * scores), the share of null, and the most frequent reasons ("failures by reason").
 */

export class RewardSummary {
  private n = 0;
  private total = 0;
  private gated = 0;
  private readonly comps = new Map<string, { sum: number; count: number; nulls: number; reasons: Map<string, { n: number; example: string }> }>();

  constructor(private readonly keys: readonly string[]) {
    for (const k of keys) this.comps.set(k, { sum: 0, count: 0, nulls: 0, reasons: new Map() });
  }

  add(item: { reward: number; components: Record<string, number | null>; reasons: Record<string, string>; gated?: boolean }): void {
    this.n++;
    this.total += item.reward;
    if (item.gated) this.gated++;
    for (const k of this.keys) {
      const c = this.comps.get(k)!;
      const s = item.components[k];
      if (s === null || s === undefined) c.nulls++;
      else {
        c.sum += s;
        c.count++;
      }
      const r = item.reasons[k];
      if (r !== undefined) {
        // group reasons that differ only in numbers ("chose C, expected B" and "chose D, expected B")
        const key = r.replace(/(?<![A-Za-z])-?\d+(\.\d+)?(e[-+]?\d+)?/gi, '#').slice(0, 100);
        const seen = c.reasons.get(key);
        if (seen) seen.n++;
        else c.reasons.set(key, { n: 1, example: r.slice(0, 120) });
      }
    }
  }

  /** Stable numbers for tests and JSON consumers. */
  toJSON(): { scored: number; mean_reward: number | null; gated: number; components: Record<string, { mean: number | null; null_share: number; reasons: Array<[string, number]> }> } {
    const components: Record<string, { mean: number | null; null_share: number; reasons: Array<[string, number]> }> = {};
    for (const [k, c] of this.comps) {
      components[k] = {
        mean: c.count ? c.sum / c.count : null,
        null_share: this.n ? c.nulls / this.n : 0,
        // [an example of the reason (others differ only in numbers), count], most frequent first
        reasons: [...c.reasons.values()].map((v): [string, number] => [v.example, v.n]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
      };
    }
    return { scored: this.n, mean_reward: this.n ? this.total / this.n : null, gated: this.gated, components };
  }

  /** A plain-text table. */
  format(extra: { read: number; malformed: number; pipeline: string }): string {
    const j = this.toJSON();
    const lines: string[] = [];
    lines.push(`pipeline ${extra.pipeline}: ${j.scored} scored, ${extra.malformed} malformed line(s) skipped, of ${extra.read} read`);
    if (j.scored) lines.push(`reward mean ${fmt(j.mean_reward)}${j.gated ? `, gated to 0: ${j.gated} (${pct(j.gated / j.scored)})` : ''}`);
    const w = Math.max(9, ...this.keys.map((k) => k.length));
    lines.push(`${'component'.padEnd(w)}  ${'mean'.padStart(8)}  ${'null'.padStart(6)}`);
    for (const k of this.keys) {
      const c = j.components[k]!;
      lines.push(`${k.padEnd(w)}  ${fmt(c.mean).padStart(8)}  ${pct(c.null_share).padStart(6)}`);
    }
    const withReasons = this.keys.filter((k) => j.components[k]!.reasons.length);
    if (withReasons.length) {
      lines.push('reasons (count):');
      for (const k of withReasons) {
        const rs = j.components[k]!.reasons;
        lines.push(`  ${k}:`);
        for (const [r, n] of rs.slice(0, 5)) lines.push(`    ${String(n).padStart(6)}  ${r}${n > 1 ? ' (and alike)' : ''}`);
        if (rs.length > 5) lines.push(`    ${''.padStart(6)}  … ${rs.length - 5} more reason(s)`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(4);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
