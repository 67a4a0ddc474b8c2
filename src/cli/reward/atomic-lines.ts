/**
 * An output file written line by line and published atomically: lines go to a temporary file in
 * the same folder, which is flushed and renamed over the target on `commit()` (readers see the
 * old file or the complete new one, never a partial one); `abort()` removes the temporary file.
 * For outputs too large to hold as one string (src/util/atomic.ts writes whole buffers).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class AtomicLineWriter {
  private buffered: string[] = [];
  private size = 0;

  private constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  /** Creates the parent folders and the temporary file. */
  static async open(path: string): Promise<AtomicLineWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fh = await open(tmp, 'w');
    return new AtomicLineWriter(path, tmp, fh);
  }

  /** Appends text (buffered; flushed every ~1 MB). */
  async write(text: string): Promise<void> {
    this.buffered.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered.length === 0) return;
    const chunk = this.buffered.join('');
    this.buffered = [];
    this.size = 0;
    await this.fh.write(chunk);
  }

  /** Flushes, syncs and renames the temporary file over the target. */
  async commit(): Promise<void> {
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  /** Drops the temporary file (the target is left as it was). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
