export * as semconv from './semconv.js';
export * from './semconv.js';
export type { HrTimeLike, OtelLogger, OtelLoggerProvider, OtelLogRecord, ReadableLogRecordLike } from './otel-types.js';
export {
  OtelLogsExporter,
  OTEL_LOGGER_NAME,
  type OtelLogsExporterOptions,
  type OtelLogsExporterStats,
} from './otel-logs-exporter.js';
export {
  WebhookLogRecordExporter,
  type WebhookLogRecordExporterOptions,
  type WebhookLogRecordExporterStats,
} from './webhook-log-record-exporter.js';
export { featureEventToLogRecord } from './feature-event-to-log-record.js';
export { isFeatureFlagEvaluation, logRecordToFeatureEvent } from './log-record-to-event.js';
