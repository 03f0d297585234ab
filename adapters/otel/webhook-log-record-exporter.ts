import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { validateEvent, type FeatureEvent } from '../../src/events.js';
import { WebhookExporter } from '../../src/webhook/webhook-exporter.js';
import type { WebhookExporterOptions } from '../../src/webhook/webhook-options.js';
import { isFeatureFlagEvaluation, logRecordToFeatureEvent } from './log-record-to-event.js';
import type { ReadableLogRecordLike } from './otel-types.js';

export interface WebhookLogRecordExporterOptions extends WebhookExporterOptions {
  /** `source` of every event; 'SERVER' unless set, as from the OpenFeature hook. */
  source?: string;
  /**
   * Milliseconds one export (all its in-call retries) may take before its HTTP
   * request is aborted. OTel's BatchLogRecordProcessor stops waiting after its
   * own `exportTimeoutMillis` (30 000 by default) but passes no abort signal,
   * so without this the request would go on after OTel gave up. Default 30 000.
   */
  exportTimeout?: number;
}

/** Counts of a `WebhookLogRecordExporter` since it was built. */
export interface WebhookLogRecordExporterStats {
  /** Records turned into events and handed to the webhook. */
  converted: number;
  /** Records that are not `feature_flag.evaluation` events. */
  ignored: number;
  /** `feature_flag.evaluation` records that make no valid event (no flag key, say). */
  invalid: number;
  /** Events the endpoint accepted. */
  delivered: number;
  /**
   * `export` calls that failed: the endpoint refused the batch or could not be
   * reached after the webhook's in-call retries, the export timed out, or the
   * exporter was shut down.
   */
  failedExports: number;
  /** Events lost with a failed export: OTel's `BatchLogRecordProcessor` does not export a failed batch again. */
  dropped: number;
}

/**
 * A `LogRecordExporter` for `@opentelemetry/sdk-logs` that sends the
 * `feature_flag.evaluation` records it gets to a webhook as `FeatureEvent`s
 * (SPEC §7), so an OTel `BatchLogRecordProcessor` can use the webhook as its
 * sink. Each `export` call is one webhook batch; the OTel processor does the
 * batching.
 */
export class WebhookLogRecordExporter {
  private readonly webhook: WebhookExporter;
  private readonly source: string;
  private readonly exportTimeout: number;
  private isShutdown = false;
  private readonly counts: WebhookLogRecordExporterStats = { converted: 0, ignored: 0, invalid: 0, delivered: 0, failedExports: 0, dropped: 0 };

  constructor(options: WebhookLogRecordExporterOptions) {
    const { source, exportTimeout, ...webhookOptions } = options ?? ({} as WebhookLogRecordExporterOptions);
    if (source !== undefined && typeof source !== 'string') {
      throw new TypeError('WebhookLogRecordExporter: options.source must be a string');
    }
    if (exportTimeout !== undefined && typeof exportTimeout !== 'number') {
      throw new TypeError('WebhookLogRecordExporter: options.exportTimeout must be a number');
    }
    if (exportTimeout !== undefined && (!Number.isInteger(exportTimeout) || exportTimeout <= 0)) {
      throw new RangeError('WebhookLogRecordExporter: options.exportTimeout must be a positive integer');
    }
    this.source = source ?? 'SERVER';
    this.exportTimeout = exportTimeout ?? 30_000;
    this.webhook = new WebhookExporter(webhookOptions);
  }

  export(logs: readonly ReadableLogRecordLike[], resultCallback: (result: ExportResult) => void): void {
    const events: FeatureEvent[] = [];
    for (const record of logs) {
      const event = this.toEvent(record);
      if (event !== undefined) events.push(event);
    }
    this.counts.converted += events.length;
    if (this.isShutdown) {
      this.counts.failedExports++;
      this.counts.dropped += events.length;
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('WebhookLogRecordExporter is shut down') });
      return;
    }
    if (events.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.exportTimeout);
    timer.unref();
    this.webhook.export(
      events,
      (result) => {
        clearTimeout(timer);
        if (result.code === ExportResultCode.SUCCESS) {
          this.counts.delivered += events.length;
        } else {
          this.counts.failedExports++;
          this.counts.dropped += events.length;
        }
        resultCallback(result);
      },
      { signal: deadline.signal },
    );
  }

  forceFlush(): Promise<void> {
    return this.webhook.forceFlush();
  }

  shutdown(): Promise<void> {
    this.isShutdown = true;
    return this.webhook.shutdown();
  }

  /** A snapshot of the counts; `converted` = `delivered` + `dropped` + events still being sent. */
  stats(): WebhookLogRecordExporterStats {
    return { ...this.counts };
  }

  /** The record's event, or undefined (counted) when it makes none. Never throws. */
  private toEvent(record: ReadableLogRecordLike): FeatureEvent | undefined {
    try {
      if (!isFeatureFlagEvaluation(record)) {
        this.counts.ignored++;
        return undefined;
      }
      const event = logRecordToFeatureEvent(record, this.source);
      // Checked here so that one bad record cannot fail the whole batch.
      const problem = event === undefined ? 'no feature_flag.key' : validateEvent(event);
      if (problem === undefined) return event;
      diag.debug(`WebhookLogRecordExporter: record dropped: ${problem}`);
    } catch (err) {
      diag.debug('WebhookLogRecordExporter: unreadable record dropped', err);
    }
    this.counts.invalid++;
    return undefined;
  }
}
