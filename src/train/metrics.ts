/**
 * Metrics as JSONL with stable keys (`step`, `reward/mean`, `reward/<component>`, `kl`,
 * `entropy`, `clip_frac`, `response_len`, `tokens_per_s`, …): one line per step, appended and
 * flushed at once, so a killed run keeps every finished step's line.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type MetricRow = Record<string, number | string>;

export class MetricsLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(row: MetricRow): void {
    appendFileSync(this.path, JSON.stringify(row) + '\n');
  }

  /** Every complete row (a torn last line from a crash is ignored). */
  read(): MetricRow[] {
    if (!existsSync(this.path)) return [];
    const rows: MetricRow[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line) as MetricRow);
      } catch {
        // torn line
      }
    }
    return rows;
  }

  /** Drops rows after `step` of `phase` (a resumed run rewrites them). */
  rowsUpTo(phase: string, step: number): MetricRow[] {
    return this.read().filter((r) => r.phase !== phase || (typeof r.step === 'number' && r.step <= step));
  }
}
