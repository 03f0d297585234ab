/**
 * The few OpenTelemetry logs shapes the adapter touches, as structural types of
 * our own: the adapter then loads no OTel package at runtime and fits the
 * logs API of either release line (an sdk-logs `LoggerProvider` and
 * `ReadableLogRecord` satisfy these).
 */

/** OTel's `HrTime`: [seconds, nanoseconds] since the Unix epoch. */
export type HrTimeLike = readonly [number, number];

/** What `OtelLogsExporter` emits: a subset of api-logs' `LogRecord`. */
export interface OtelLogRecord {
  eventName?: string;
  timestamp?: [number, number];
  attributes?: Record<string, string | number | boolean>;
}

export interface OtelLogger {
  emit(record: OtelLogRecord): void;
}

/** An api-logs `LoggerProvider`, e.g. sdk-logs' `LoggerProvider`. */
export interface OtelLoggerProvider {
  getLogger(name: string, version?: string, options?: object): OtelLogger;
  /** Used by `OtelLogsExporter.forceFlush()` when the provider has it (sdk-logs does). */
  forceFlush?(): Promise<void>;
}

/** What `WebhookLogRecordExporter` reads: a subset of sdk-logs' `ReadableLogRecord`. */
export interface ReadableLogRecordLike {
  readonly hrTime: HrTimeLike;
  readonly hrTimeObserved?: HrTimeLike;
  readonly eventName?: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}
