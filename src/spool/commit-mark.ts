import fs from 'node:fs';
import path from 'node:path';

/** A hint file holding the durable seq of the last completed commit. */
export const MARK_FILE = 'COMMITTED';
const WIDTH = 16;

/** The seq a mark file holds, or undefined when it is missing or unreadable. */
export function readCommitMark(directory: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(directory, MARK_FILE), 'latin1');
  } catch {
    return undefined;
  }
  return new RegExp(`^\\d{${WIDTH}}\\n$`).test(text) ? Number(text.slice(0, WIDTH)) : undefined;
}

/**
 * Says how far commits got, outside the segments: when the newest records
 * are damaged at the very end, nothing after them names the events they
 * held, and this hint still does, so they are counted as lost. Written after
 * each commit's sync and not synced itself (a stale hint only counts less).
 */
export class CommitMark {
  private fd: number | undefined;
  private writing = false;
  private wanted: number | undefined;

  /** Opens the hint at open (synchronous) and writes `seq`; a hint that cannot be written is done without. */
  constructor(directory: string, seq: number) {
    try {
      this.fd = fs.openSync(path.join(directory, MARK_FILE), 'w', 0o644);
      fs.writeSync(this.fd, format(seq), 0, 'latin1');
    } catch {
      this.close();
    }
  }

  write(seq: number): void {
    this.wanted = seq;
    if (!this.writing) this.flush();
  }

  close(): void {
    if (this.fd !== undefined && !this.writing) fs.close(this.fd, () => undefined);
    this.fd = undefined;
  }

  private flush(): void {
    const seq = this.wanted;
    const fd = this.fd;
    if (seq === undefined || fd === undefined) return;
    this.wanted = undefined;
    this.writing = true;
    fs.write(fd, format(seq), 0, 'latin1', () => {
      this.writing = false;
      if (this.fd === undefined) fs.close(fd, () => undefined);
      else this.flush();
    });
  }
}

function format(seq: number): string {
  return `${String(seq).padStart(WIDTH, '0')}\n`;
}
