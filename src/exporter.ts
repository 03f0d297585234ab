import type { ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from './events.js';

/**
 * A batch's events already encoded by the processor, as plain data so that it
 * crosses copies of the package (ESM beside CJS, two versions in one tree):
 * the chunks, concatenated, are exactly the JSON array `[e1,e2,...]` of the
 * events handed to the same `export` call, in order.
 */
export interface EncodedEvents {
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
}

/** Options the processor passes to one `export` call (SPEC §3). */
export interface ExportOptions {
  /** Aborted when the export passes its deadline; the exporter cancels its I/O. */
  signal?: AbortSignal;
  /**
   * The processor's id for this batch, the same on every attempt (SPEC §4
   * rule 3). An exporter called without one makes a new id per call.
   */
  batchId?: string;
  /** The batch's bytes, encoded once when the batch was formed; exporters may ignore it. */
  encoded?: EncodedEvents;
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
