/** Options of a durable spool (SPEC §10): `BatchProcessor`'s `spool` option. */
export interface SpoolOptions {
  /** Where the segment files go; created if missing. One process at a time uses it (a lock). */
  directory: string;
  /**
   * Cap on the spool's files, in bytes; past it the oldest events are dropped
   * (counted as overflow). Default 256 MiB; at least 64 KiB.
   */
  maxBytes?: number;
  /** Milliseconds between group commits (each one written and `fdatasync`ed). Default 200. */
  syncEvery?: number;
}

/** Options once checked, with defaults filled in. */
export interface ResolvedSpoolOptions {
  directory: string;
  maxBytes: number;
  syncEvery: number;
  /** A segment is closed and a new one begun past this size: an eighth of maxBytes, at most 8 MiB. */
  segmentBytes: number;
}

/** `maxBytes` unless given: 256 MiB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** The least `maxBytes`: eight segments of 8 KiB. */
export const MIN_MAX_BYTES = 64 * 1024;
/** `syncEvery` unless given, in ms. */
export const DEFAULT_SYNC_EVERY = 200;
const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`BatchProcessor option spool.${name} must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`BatchProcessor option spool.${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Checks spool options; a TypeError or RangeError names the option as the user wrote it. */
export function resolveSpoolOptions(options: unknown): ResolvedSpoolOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('BatchProcessor option spool must be an object with a directory');
  }
  const { directory, maxBytes, syncEvery } = options as Record<string, unknown>;
  if (typeof directory !== 'string') throw new TypeError('BatchProcessor option spool.directory must be a string');
  if (directory.trim() === '' || directory.includes('\0')) {
    throw new RangeError('BatchProcessor option spool.directory must be a non-empty path');
  }
  const resolvedMax = integer(maxBytes, 'maxBytes', DEFAULT_MAX_BYTES, MIN_MAX_BYTES, Number.MAX_SAFE_INTEGER);
  return {
    directory,
    maxBytes: resolvedMax,
    syncEvery: integer(syncEvery, 'syncEvery', DEFAULT_SYNC_EVERY, 1, MAX_TIMER_MS),
    segmentBytes: Math.min(MAX_SEGMENT_BYTES, Math.floor(resolvedMax / 8)),
  };
}
