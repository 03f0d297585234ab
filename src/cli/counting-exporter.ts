import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from '../events.js';
import type { EventExporter, ExportOptions } from '../exporter.js';

/**
 * Wraps an exporter to count batches for the progress line and summary; the
 * processor's stats count events, not batches.
 */
export class CountingExporter implements EventExporter {
  batchesDelivered = 0;
  exportsFailed = 0;

  constructor(private readonly inner: EventExporter) {}

  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void, options?: ExportOptions): void {
    this.inner.export(
      batch,
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) this.batchesDelivered++;
        else this.exportsFailed++;
        resultCallback(result);
      },
      options,
    );
  }

  prepare(batch: ExportableEvent[]): void {
    this.inner.prepare?.(batch);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
