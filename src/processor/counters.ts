/** The last failed export, as `stats()` reports it. */
export interface LastExportError {
  message: string;
  status?: number;
  code?: string;
  at: Date;
}

/** A snapshot of a processor's accounting (SPEC §4 rule 6 holds on every one). */
export interface ProcessorStats {
  /** Events taken by `add()` since construction (replayed spool events counted once). */
  accepted: number;
  /** Events the endpoint has acknowledged. */
  delivered: number;
  /** Events waiting for a flush, including batches waiting for another attempt. */
  pending: number;
  /** Events in the export under way (at most one per processor). */
  inFlight: number;
  /** Events given up on, by cause. */
  dropped: {
    /** Oldest events dropped past `maxBufferedEvents` (or a spool's `maxBytes`). */
    overflow: number;
    /** Events that failed validation, were too large alone, or were refused 413 alone. */
    invalid: number;
    /** Events not delivered by `shutdown()`'s deadline, or added after it. */
    shutdown: number;
    /** Events lost to a corrupt spool record (SPEC §10); 0 without a spool. */
    corrupt: number;
  };
  /** Failed export attempts (a 413 split is not one). */
  failedExports: number;
  /** The last failed export, if any. */
  lastError?: LastExportError;
}

/** A processor's running totals; pending and in-flight counts live with the events themselves. */
export interface Counters {
  accepted: number;
  delivered: number;
  overflow: number;
  invalid: number;
  shutdown: number;
  /** Events lost to a corrupt spool (SPEC §10); 0 without one. */
  corrupt: number;
  failedExports: number;
  lastError?: LastExportError;
}

export function newCounters(): Counters {
  return { accepted: 0, delivered: 0, overflow: 0, invalid: 0, shutdown: 0, corrupt: 0, failedExports: 0 };
}

export function snapshot(counters: Counters, pending: number, inFlight: number): ProcessorStats {
  const stats: ProcessorStats = {
    accepted: counters.accepted,
    delivered: counters.delivered,
    pending,
    inFlight,
    dropped: { overflow: counters.overflow, invalid: counters.invalid, shutdown: counters.shutdown, corrupt: counters.corrupt },
    failedExports: counters.failedExports,
  };
  if (counters.lastError) stats.lastError = { ...counters.lastError, at: new Date(counters.lastError.at) };
  return stats;
}
