/**
 * A progress bar on stderr. On a TTY it redraws one line (`\r`); otherwise (logs, CI) it prints a
 * plain line at most every 10 % or 30 s, so logs stay short.
 */
export interface Progress {
  start(total: number, label: string): void;
  tick(n?: number, note?: string): void;
  done(): void;
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const ss = String(Math.floor(s % 60)).padStart(2, '0');
  return h > 0 ? `${h}:${String(m % 60).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A progress bar writing to `stream` (default process.stderr); `quiet` prints nothing. */
export function createProgress(stream: ProgressStream = process.stderr, opts: { quiet?: boolean; now?: () => number } = {}): Progress {
  const now = opts.now ?? Date.now;
  let total = 0;
  let count = 0;
  let label = '';
  let t0 = 0;
  let lastPrint = 0;
  let lastPct = -1;
  let note = '';
  const line = (): string => {
    const el = (now() - t0) / 1000;
    const rate = el > 0 ? count / el : 0;
    const eta = rate > 0 ? (total - count) / rate : Number.NaN;
    const pct = total > 0 ? count / total : 1;
    const width = 24;
    const fill = Math.round(pct * width);
    return `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${count}/${total} ${(pct * 100).toFixed(0)}% ${rate.toFixed(1)}/s eta ${fmtTime(eta)}${note ? ` ${note}` : ''}`;
  };
  const draw = (force: boolean): void => {
    if (opts.quiet) return;
    if (stream.isTTY) {
      const t = now();
      if (!force && t - lastPrint < 100) return;
      lastPrint = t;
      const cols = stream.columns ?? 100;
      stream.write(`\r${line().slice(0, Math.max(20, cols - 1)).padEnd(Math.max(20, cols - 1))}`);
      return;
    }
    const pct = total > 0 ? Math.floor((count / total) * 10) : 10;
    const t = now();
    if (force || pct > lastPct || t - lastPrint > 30_000) {
      lastPct = pct;
      lastPrint = t;
      stream.write(`${line()}\n`);
    }
  };
  return {
    start(t, l) {
      total = t;
      label = l;
      count = 0;
      t0 = now();
      lastPct = -1;
      draw(true);
    },
    tick(n = 1, nt) {
      count += n;
      if (nt !== undefined) note = nt;
      draw(count >= total);
    },
    done() {
      if (opts.quiet) return;
      if (stream.isTTY) stream.write(`\r${line()}\n`);
      else if (lastPct < 10) stream.write(`${line()}\n`);
    },
  };
}
