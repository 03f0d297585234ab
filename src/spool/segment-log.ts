import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { HEADER_BYTES, encodeHeader } from './record-format.js';
import { segmentFileName } from './segment-reader.js';

const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);
const ftruncate = promisify(fs.ftruncate);
const close = promisify(fs.close);
const open = promisify(fs.open);
const fsync = promisify(fs.fsync);

/** One segment file, as far as it is known to be on disk. */
export interface SegmentFile {
  index: number;
  name: string;
  /** Records in this segment name only seqs below the next segment's start. */
  start: number;
  /** Bytes known to be durable (written and synced). */
  size: number;
}

/** Writes all of `buffers` at `position`, however the kernel splits it. */
async function writeAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await writev(fd, rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    while (rest.length > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
    if (skip > 0) rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
  }
}

/** Makes a new or removed file name durable. Not every platform can open a directory; there it is skipped. */
async function syncDirectory(directory: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await open(directory, 'r');
    await fsync(fd);
  } catch {
    // Windows cannot fsync a directory; its file system orders metadata itself.
  } finally {
    if (fd !== undefined) await close(fd).catch(() => undefined);
  }
}

function syncDirectorySync(directory: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(directory, 'r');
    fs.fsyncSync(fd);
  } catch {
    // As above.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The segment files of a spool: appends group commits to the newest (the
 * active one), starts a new one past `segmentBytes`, and deletes the oldest
 * once every event they name is released. Deletion is oldest first only,
 * because a segment may hold the releases of events in older ones.
 */
export class SegmentLog {
  private activeFd: number | undefined;

  constructor(
    private readonly directory: string,
    private readonly segmentBytes: number,
    /** Oldest first; when `activeFd` is set, the last one is being appended to. */
    readonly segments: SegmentFile[],
    private nextIndex: number,
  ) {}

  get diskBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  /** At open: begins a new active segment holding `records`, durably, before anything else is written. */
  createSync(start: number, records: Buffer[]): void {
    const segment = this.newSegment(start);
    const file = path.join(this.directory, segment.name);
    const fd = fs.openSync(file, 'wx', 0o644);
    const bytes = Buffer.concat([encodeHeader(start), ...records]);
    try {
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written, written);
      fs.fdatasyncSync(fd);
      syncDirectorySync(this.directory);
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw error;
    }
    segment.size = bytes.length;
    this.activeFd = fd;
    this.segments.push(segment);
  }

  /**
   * Appends one commit and syncs it. On failure the active segment is cut
   * back to what was durable and closed (the next commit begins a new one,
   * which also gets past a per-file size limit), and the error is rethrown.
   */
  async append(chunks: Buffer[], byteLength: number, start: number): Promise<void> {
    const current = this.segments[this.segments.length - 1];
    if (this.activeFd === undefined || (current !== undefined && current.size >= this.segmentBytes)) {
      await this.rotate(start);
    }
    const segment = this.segments[this.segments.length - 1]!;
    const fd = this.activeFd!;
    const fresh = segment.size === 0;
    const buffers = fresh ? [encodeHeader(start), ...chunks] : chunks;
    try {
      await writeAll(fd, buffers, segment.size);
      await fdatasync(fd);
      if (fresh) await syncDirectory(this.directory);
      segment.size += byteLength + (fresh ? HEADER_BYTES : 0);
    } catch (error) {
      await this.abandonActive();
      throw error;
    }
  }

  /** Deletes the oldest segments while every seq they may name is below `releasedBelow`. */
  async deleteReleased(releasedBelow: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]!.start <= releasedBelow) {
      const oldest = this.segments.shift()!;
      await fs.promises.rm(path.join(this.directory, oldest.name), { force: true }).catch(() => undefined);
    }
  }

  deleteReleasedSync(releasedBelow: number): void {
    while (this.segments.length > 1 && this.segments[1]!.start <= releasedBelow) {
      const oldest = this.segments.shift()!;
      fs.rmSync(path.join(this.directory, oldest.name), { force: true });
    }
  }

  /**
   * The seq below which every event must be released for the files to fit in
   * `maxBytes` (the oldest segments then go), or undefined when they fit. When
   * only dropping the active segment's events would do, `committedBelow`: that
   * segment is then far past `segmentBytes` (an eighth of `maxBytes`), so the
   * next commit begins a new one and this one can go.
   */
  overflowBelow(maxBytes: number, committedBelow: number): number | undefined {
    let excess = this.diskBytes - maxBytes;
    if (excess <= 0) return undefined;
    for (let i = 0; i < this.segments.length - 1; i++) {
      excess -= this.segments[i]!.size;
      if (excess <= 0) return this.segments[i + 1]!.start;
    }
    return committedBelow;
  }

  async close(): Promise<void> {
    const fd = this.activeFd;
    this.activeFd = undefined;
    if (fd !== undefined) await close(fd).catch(() => undefined);
  }

  private newSegment(start: number): SegmentFile {
    const index = this.nextIndex++;
    return { index, name: segmentFileName(index), start, size: 0 };
  }

  private async rotate(start: number): Promise<void> {
    await this.close();
    const segment = this.newSegment(start);
    this.activeFd = await open(path.join(this.directory, segment.name), 'wx', 0o644);
    this.segments.push(segment);
  }

  /** After a failed write: back to the durable size, closed; a segment with nothing durable is removed. */
  private async abandonActive(): Promise<void> {
    const segment = this.segments[this.segments.length - 1]!;
    const fd = this.activeFd;
    this.activeFd = undefined;
    if (fd === undefined) return;
    await ftruncate(fd, segment.size).catch(() => undefined);
    await close(fd).catch(() => undefined);
    if (segment.size === 0) {
      this.segments.pop();
      await fs.promises.rm(path.join(this.directory, segment.name), { force: true }).catch(() => undefined);
    }
  }
}
