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
}

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
  private isShutdown = false;
  private warnedTracking = false;
  private readonly counts: OtelLogsExporterStats = { emitted: 0, ignored: 0, invalid: 0 };

  constructor(options: OtelLogsExporterOptions) {
    const loggerProvider = options?.loggerProvider;
    if (loggerProvider === null || typeof loggerProvider !== 'object' || typeof loggerProvider.getLogger !== 'function') {
      throw new TypeError('OtelLogsExporter: options.loggerProvider must be a LoggerProvider (with getLogger)');
    }
    this.loggerProvider = loggerProvider;
    this.logger = loggerProvider.getLogger(OTEL_LOGGER_NAME, VERSION);
  }

  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void, _options?: ExportOptions): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('OtelLogsExporter is shut down') });
      return;
    }
    for (const event of batch) this.emit(event);
    resultCallback({ code: ExportResultCode.SUCCESS });
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
