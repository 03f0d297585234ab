import type { SpoolWriteError } from './write-health.js';

/** A spool's own counters, for diagnostics. */
export interface SpoolStats {
  /** Segment files on disk. */
  segments: number;
  /** Their bytes: what `maxBytes` caps. */
  diskBytes: number;
  /** Events appended and not yet released that are not on disk yet: the commit window, or more while writes fail. */
  unpersisted: number;
  /** Group commits that could not be written (a full disk, an I/O error). */
  failedCommits: number;
  lastError?: SpoolWriteError;
}
