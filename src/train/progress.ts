/**
 * A one-line progress bar with ETA and live metrics on stderr (redrawn in place on a TTY, one line
 * per update otherwise, at most every few seconds so logs stay readable).
 */
export class Progress {
  private readonly start = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(private readonly label: string, private readonly total: number, private readonly stream: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, info: Record<string, number | string> = {}, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (!force && !this.tty && now - this.lastPrint < 5000 && done < this.total) return;
    this.lastPrint = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 20;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : NaN;
    const fmt = (s: number) => (Number.isFinite(s) ? (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`) : '?');
    const kv = Object.entries(info).map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3)) : v}`).join(' | ');
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${fmt(elapsed)} eta ${fmt(eta)}${kv ? ` | ${kv}` : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${done >= this.total ? '\n' : ''}`);
    else this.stream.write(`${line}\n`);
  }
}
