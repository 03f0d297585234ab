import fs from 'node:fs';
import path from 'node:path';
import { diag } from '@opentelemetry/api';
import { encodeReleases } from './commit-encoder.js';
import { CommitMark, MARK_FILE, readCommitMark } from './commit-mark.js';
import { DirectoryLock, LOCK_FILE } from './directory-lock.js';
import { HEADER_BYTES } from './record-format.js';
import { recover, type Recovery } from './recovery.js';
import { SegmentLog } from './segment-log.js';
import { SEGMENT_FILE, scanSegment, type SegmentScan } from './segment-reader.js';
import type { ResolvedSpoolOptions } from './spool-options.js';

/** Warnings of the spool, under their own namespace. */
export const spoolLog = diag.createComponentLogger({ namespace: 'ff-webhook-exporter/spool' });

/** A spool directory once locked, read and reconciled, with its new active segment. */
export interface OpenedSpool {
  lock: DirectoryLock;
  log: SegmentLog;
  recovery: Recovery;
  mark: CommitMark;
}

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/** A clear Error for a directory that cannot be used; the lock's own errors pass through. */
function directoryError(directory: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new Error(
      `spool.directory ${directory}: permission denied (${code}); the process must be able to create, ` +
        'write and delete files there',
      { cause: error },
    );
  }
  if (code === undefined && error instanceof Error) return error;
  return new Error(`spool.directory ${directory} cannot be used: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

interface DirectoryContents {
  scans: SegmentScan[];
  /** Segment-named files with no header and no record: crash leftovers, or someone else's. */
  unreadable: SegmentScan[];
  foreign: string[];
}

function isOurs(name: string): boolean {
  return name === LOCK_FILE || name === MARK_FILE || name.startsWith(`${LOCK_FILE}.stale-`) || name.endsWith('.seg.bad');
}

function readDirectory(directory: string): DirectoryContents {
  const contents: DirectoryContents = { scans: [], unreadable: [], foreign: [] };
  for (const name of fs.readdirSync(directory).sort()) {
    const match = SEGMENT_FILE.exec(name);
    if (match === null) {
      if (!isOurs(name)) contents.foreign.push(name);
      continue;
    }
    const scan = scanSegment(fs.readFileSync(path.join(directory, name)), Number(match[1]), name);
    if (scan.start === undefined && scan.records.length === 0) contents.unreadable.push(scan);
    else contents.scans.push(scan);
  }
  return contents;
}

/** Cuts torn or corrupt tails back to the last good record, and clears away unreadable segment files. */
function tidy(directory: string, contents: DirectoryContents): void {
  for (const scan of contents.scans) {
    if (scan.goodEnd < scan.size) fs.truncateSync(path.join(directory, scan.name), scan.goodEnd);
  }
  for (const scan of contents.unreadable) {
    const file = path.join(directory, scan.name);
    // Shorter than a header: a segment whose creation a crash interrupted. Anything else is kept, aside.
    if (scan.size < HEADER_BYTES) fs.rmSync(file, { force: true });
    else fs.renameSync(file, `${file}.bad`);
  }
}

function warn(directory: string, contents: DirectoryContents, recovery: Recovery): void {
  const damaged = contents.scans.reduce((sum, scan) => sum + scan.damagedBytes, 0);
  if (recovery.corrupt > 0 || damaged > 0) {
    spoolLog.warn(
      `spool ${directory}: ${damaged} damaged byte(s) cut or skipped, ${recovery.corrupt} event(s) lost with them ` +
        '(counted in stats().dropped.corrupt)',
    );
  }
  for (const scan of contents.unreadable) {
    if (scan.size >= HEADER_BYTES) spoolLog.warn(`spool ${directory}: ${scan.name} is not a readable segment; moved aside to ${scan.name}.bad`);
  }
  if (contents.foreign.length > 0) {
    const shown = contents.foreign.slice(0, 5).join(', ');
    spoolLog.warn(`spool ${directory}: ignoring ${contents.foreign.length} file(s) that are not the spool's: ${shown}`);
  }
}

/**
 * Opens a spool directory, synchronously: creates it, takes the lock, reads
 * and verifies every segment, then writes (durably) a new active segment
 * whose first record releases the events lost to damage, so a later start
 * does not count them again. Only then are damaged tails cut.
 */
export function openSpoolDirectory(options: ResolvedSpoolOptions): OpenedSpool {
  const { directory } = options;
  let lock: DirectoryLock;
  try {
    fs.mkdirSync(directory, { recursive: true });
    lock = DirectoryLock.acquire(directory);
  } catch (error) {
    throw directoryError(directory, error);
  }
  try {
    const contents = readDirectory(directory);
    const recovery = recover(contents.scans, readCommitMark(directory));
    const segments = contents.scans.map((scan, i) => ({
      index: scan.index,
      name: scan.name,
      start: recovery.starts[i]!,
      size: scan.goodEnd,
    }));
    const lastIndex = Math.max(-1, ...contents.scans.map((s) => s.index), ...contents.unreadable.map((s) => s.index));
    const log = new SegmentLog(directory, options.segmentBytes, segments, lastIndex + 1);
    log.createSync(recovery.nextSeq, encodeReleases(recovery.lost));
    const mark = new CommitMark(directory, recovery.nextSeq);
    tidy(directory, contents);
    log.deleteReleasedSync(recovery.released.low);
    warn(directory, contents, recovery);
    return { lock, log, recovery, mark };
  } catch (error) {
    lock.release();
    throw directoryError(directory, error);
  }
}
