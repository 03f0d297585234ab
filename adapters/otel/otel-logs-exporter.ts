import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { validateEvent, type ExportableEvent } from '../../src/events.js';
import type { EventExporter, ExportOptions } from '../../src/exporter.js';
import { VERSION } from '../../src/version.js';
import { featureEventToLogRecord } from './feature-event-to-log-record.js';
import type { OtelLogger, OtelLoggerProvider } from './otel-types.js';

export interface OtelLogsExporterOptions {
  /** Where the records go, e.g. an sdk-logs `LoggerProvider` with an OTLP exporter. */
  loggerProvider: OtelLoggerProvider;
  /**
   * Records emitted before the provider is flushed and waited for. Default 512,
   * a quarter of an OpenTelemetry `BatchLogRecordProcessor`'s default queue
   * (2,048), which silently drops records past it: a 100,000-event batch
   * emitted at once would lose ~97 % of them.
   */
  chunkSize?: number;
}

/** Records emitted between two waits for the provider (see `chunkSize`). */
export const DEFAULT_OTEL_CHUNK_SIZE = 512;

export interface OtelLogsExporterStats {
  /** Feature events emitted as `feature_flag.evaluation` records. */
  emitted: number;
  /** Tracking events: OpenTelemetry has no convention for them, so they are skipped. */
  ignored: number;
  /** Events that are not valid (SPEC §2) or that the logger refused. */
  invalid: number;
}

/** Instrumentation scope of the records. */
export const OTEL_LOGGER_NAME = 'ff-webhook-exporter';

/**
 * An `EventExporter` that emits each `FeatureEvent` as a
 * `feature_flag.evaluation` log record into an OpenTelemetry `LoggerProvider`
 * (SPEC §7), so events reach OTLP and the Collector. Emitting only queues the
 * record in the provider's processors, so `export` calls back at once; the
 * provider owns delivery from there.
 */
export class OtelLogsExporter implements EventExporter<ExportableEvent> {
  private readonly loggerProvider: OtelLoggerProvider;
  private readonly logger: OtelLogger;
  private readonly chunkSize: number;
  private isShutdown = false;
  private warnedTracking = false;
  private readonly counts: OtelLogsExporterStats = { emitted: 0, ignored: 0, invalid: 0 };

  constructor(options: OtelLogsExporterOptions) {
    const loggerProvider = options?.loggerProvider;
    if (loggerProvider === null || typeof loggerProvider !== 'object' || typeof loggerProvider.getLogger !== 'function') {
      throw new TypeError('OtelLogsExporter: options.loggerProvider must be a LoggerProvider (with getLogger)');
    }
    const chunkSize = options.chunkSize ?? DEFAULT_OTEL_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new RangeError(`OtelLogsExporter: options.chunkSize must be a positive integer (${String(chunkSize)} given)`);
    }
    if (typeof loggerProvider.forceFlush !== 'function') {
      // Without it nothing can tell when the provider's queue has room again.
      diag.warn('OtelLogsExporter: the LoggerProvider has no forceFlush; large batches may overflow its queue');
    }
    this.chunkSize = chunkSize;
    this.loggerProvider = loggerProvider;
    this.logger = loggerProvider.getLogger(OTEL_LOGGER_NAME, VERSION);
  }

  /**
   * Emits the batch in chunks of `chunkSize`, flushing the provider and waiting
   * for it between chunks and at the end, so its processor's queue never
   * overflows: success means the provider took every record. A batch that fits
   * one chunk into a provider without forceFlush calls back synchronously.
   */
  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void, options?: ExportOptions): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('OtelLogsExporter is shut down') });
      return;
    }
    if (typeof this.loggerProvider.forceFlush !== 'function') {
      for (const event of batch) this.emit(event);
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.emitInChunks(batch, options?.signal).then(resultCallback, (error: unknown) =>
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  private async emitInChunks(batch: readonly ExportableEvent[], signal?: AbortSignal): Promise<ExportResult> {
    for (let start = 0; start < batch.length; start += this.chunkSize) {
      if (signal?.aborted) return { code: ExportResultCode.FAILED, error: new Error('OtelLogsExporter: export aborted') };
      const end = Math.min(start + this.chunkSize, batch.length);
      for (let i = start; i < end; i++) this.emit(batch[i]!);
      // A provider that cannot flush has dropped, or may drop, what it was given.
      await this.loggerProvider.forceFlush!();
    }
    return { code: ExportResultCode.SUCCESS };
  }

  /** Flushes the provider's processors, when the provider can. */
  async forceFlush(): Promise<void> {
    try {
      await this.loggerProvider.forceFlush?.();
    } catch (err) {
      diag.warn('OtelLogsExporter: the LoggerProvider failed to flush', err);
    }
  }

  /** Stops exporting and flushes; the provider stays up, as it belongs to the caller. */
  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await this.forceFlush();
  }

  stats(): OtelLogsExporterStats {
    return { ...this.counts };
  }

  private emit(event: ExportableEvent): void {
    try {
      if (event?.kind === 'tracking') {
        this.counts.ignored++;
        if (!this.warnedTracking) {
          this.warnedTracking = true;
          diag.warn('OtelLogsExporter: tracking events have no OpenTelemetry convention and are skipped');
        }
        return;
      }
      const problem = validateEvent(event);
      if (problem !== undefined || event.kind !== 'feature') {
        this.counts.invalid++;
        diag.debug(`OtelLogsExporter: invalid event dropped: ${problem}`);
        return;
      }
      this.logger.emit(featureEventToLogRecord(event));
      this.counts.emitted++;
    } catch (err) {
      this.counts.invalid++;
      diag.warn('OtelLogsExporter: could not emit an event', err);
    }
  }
}
