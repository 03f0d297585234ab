import type { ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from './events.js';

/** Options the processor passes to one `export` call. */
export interface ExportOptions {
  /** Aborted when the export passes its deadline; the exporter cancels its I/O. */
  signal?: AbortSignal;
}

/**
 * An OpenTelemetry-style exporter (SPEC §3). `export` never throws: every
 * failure reaches `resultCallback`, exactly once, possibly synchronously.
 * After `shutdown()`, `export` fails at once.
 */
export interface EventExporter<T = ExportableEvent> {
  export(batch: T[], resultCallback: (result: ExportResult) => void, options?: ExportOptions): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
  /**
   * Optional, ours (OpenTelemetry's interface has no such step): the
   * BatchProcessor calls it with the next batch while another is in flight,
   * so the exporter can encode it ahead of its `export` call. The same array
   * may then be exported, or dropped. Must not throw or do I/O.
   */
  prepare?(batch: T[]): void;
}
