/** The last failed export, as `stats()` reports it. */
export interface LastExportError {
  message: string;
  status?: number;
  code?: string;
  at: Date;
}

/** A snapshot of a processor's accounting (SPEC §4 rule 6 holds on every one). */
export interface ProcessorStats {
  accepted: number;
  delivered: number;
  pending: number;
  inFlight: number;
  dropped: { overflow: number; invalid: number; shutdown: number; corrupt: number };
  failedExports: number;
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
