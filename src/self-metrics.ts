import {
  metrics,
  type Attributes,
  type BatchObservableCallback,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
} from '@opentelemetry/api';
import { VERSION } from './version.js';

/** What the instruments read: the processor's `stats()`, structurally, so any shape with these counts fits. */
export interface SelfMetricsStats {
  accepted: number;
  delivered: number;
  pending: number;
  inFlight: number;
  dropped: Readonly<Record<string, number>>;
  failedExports: number;
}

export interface SelfMetricsOptions {
  /** Where the instruments live; default the global one (a no-op until the user sets a MeterProvider). */
  meterProvider?: MeterProvider;
  /** `otel.component.name` of this processor; default `ff_webhook_batch_processor/<n>`. */
  componentName?: string;
}

/** How one export call ended, for the duration histogram. */
export interface ExportOutcome {
  /** Absent on success. */
  errorType?: string;
  status?: number;
}

/**
 * Instrument names (README lists them). Where OpenTelemetry's SDK self-observability conventions
 * (`otel.sdk.*`, development status) have an instrument that means the same, its name and unit are
 * used: a flag evaluation is an OTel event, that is a log record. Their `processed` and `exported`
 * counters count at other moments than `stats()` does (hand-over to the exporter; every failed
 * export's records), so accepted, delivered, dropped and failed exports keep names of our own.
 */
export const SELF_METRIC_NAMES = {
  accepted: 'ff_webhook.events.accepted',
  delivered: 'ff_webhook.events.delivered',
  dropped: 'ff_webhook.events.dropped',
  inFlight: 'otel.sdk.exporter.log.inflight',
  failedExports: 'ff_webhook.exports.failed',
  queueSize: 'otel.sdk.processor.log.queue.size',
  queueCapacity: 'otel.sdk.processor.log.queue.capacity',
  exportDuration: 'otel.sdk.exporter.operation.duration',
} as const;

const COMPONENT_TYPE = 'ff_webhook_batch_processor';
let instances = 0;

/**
 * A processor's self-metrics through the `@opentelemetry/api` metrics API.
 * The counts are observable instruments read from one `stats()` snapshot per
 * collection, so what a dashboard shows equals `stats()` exactly and adds
 * nothing to `add()`; only the export duration is recorded as it happens.
 */
export class SelfMetrics {
  private readonly meter: Meter;
  private readonly duration: Histogram;
  private readonly observables: Observable[];
  private readonly callback: BatchObservableCallback;
  private readonly attributes: Attributes;

  constructor(stats: () => SelfMetricsStats, capacity: number, options: SelfMetricsOptions = {}) {
    this.meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter('ff-webhook-exporter', VERSION);
    this.attributes = {
      'otel.component.type': COMPONENT_TYPE,
      'otel.component.name': options.componentName ?? `${COMPONENT_TYPE}/${instances++}`,
    };
    const unit = { unit: '{event}' };
    const record = { unit: '{log_record}' }; // the conventions' unit, for their instruments
    const accepted = this.meter.createObservableCounter(SELF_METRIC_NAMES.accepted, { ...unit, description: 'Events accepted by add().' });
    const delivered = this.meter.createObservableCounter(SELF_METRIC_NAMES.delivered, { ...unit, description: 'Events the endpoint accepted (2xx).' });
    const dropped = this.meter.createObservableCounter(SELF_METRIC_NAMES.dropped, { ...unit, description: 'Events dropped, by reason (error.type).' });
    const inFlight = this.meter.createObservableUpDownCounter(SELF_METRIC_NAMES.inFlight, { ...record, description: 'Events handed to the exporter, not yet delivered or dropped.' });
    const failed = this.meter.createObservableCounter(SELF_METRIC_NAMES.failedExports, { unit: '{export}', description: 'Export calls that failed.' });
    const size = this.meter.createObservableUpDownCounter(SELF_METRIC_NAMES.queueSize, { ...record, description: 'Events pending in the queue.' });
    const cap = this.meter.createObservableUpDownCounter(SELF_METRIC_NAMES.queueCapacity, { ...record, description: 'Events the queue holds at most (maxBufferedEvents).' });
    this.duration = this.meter.createHistogram(SELF_METRIC_NAMES.exportDuration, {
      unit: 's',
      description: 'Duration of one export call, all its in-call retries included.',
    });
    this.observables = [accepted, delivered, dropped, inFlight, failed, size, cap];
    const attrs = this.attributes;
    this.callback = (result) => {
      const s = stats();
      result.observe(accepted, s.accepted, attrs);
      result.observe(delivered, s.delivered, attrs);
      for (const [reason, count] of Object.entries(s.dropped)) result.observe(dropped, count, { ...attrs, 'error.type': reason });
      result.observe(inFlight, s.inFlight, attrs);
      result.observe(failed, s.failedExports, attrs);
      result.observe(size, s.pending, attrs);
      result.observe(cap, capacity, attrs);
    };
    this.meter.addBatchObservableCallback(this.callback, this.observables);
  }

  /** Records one export call's duration; `error.type` and the HTTP status when it failed. */
  recordExport(durationMs: number, outcome: ExportOutcome = {}): void {
    const attributes: Attributes = { ...this.attributes };
    if (outcome.errorType !== undefined) attributes['error.type'] = outcome.errorType;
    if (outcome.status !== undefined) attributes['http.response.status_code'] = outcome.status;
    this.duration.record(durationMs / 1000, attributes);
  }

  /** Stops observing (at processor shutdown the last values stay in the stats, not in new collections). */
  dispose(): void {
    this.meter.removeBatchObservableCallback(this.callback, this.observables);
  }
}

/** The `error.type` of a failed export: its code, else its HTTP status, else `_OTHER` as the conventions say. */
export function exportErrorType(error: unknown): ExportOutcome {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  const outcome: ExportOutcome = { errorType: typeof code === 'string' ? code : typeof status === 'number' ? String(status) : '_OTHER' };
  if (typeof status === 'number') outcome.status = status;
  return outcome;
}
