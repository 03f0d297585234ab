import type { FeatureEvent } from '../../src/events.js';
import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, unixSeconds } from '../../src/events.js';
import type { ReadableLogRecordLike } from './otel-types.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_EVENT_NAME,
  ATTR_FEATURE_FLAG_CONTEXT_ID,
  ATTR_FEATURE_FLAG_KEY,
  ATTR_FEATURE_FLAG_PROVIDER_NAME,
  ATTR_FEATURE_FLAG_RESULT_REASON,
  ATTR_FEATURE_FLAG_RESULT_VALUE,
  ATTR_FEATURE_FLAG_RESULT_VARIANT,
  ATTR_FEATURE_FLAG_SET_ID,
  ATTR_FEATURE_FLAG_VERSION,
  ERROR_TYPE_VALUE_GENERAL,
  EVENT_FEATURE_FLAG_EVALUATION,
  FEATURE_FLAG_RESULT_REASON_VALUE_DISABLED,
} from './semconv.js';

/**
 * The metadata keys the mapping fills, the same as the OpenFeature hook's, so
 * both paths give the same events. `reason` and `errorCode` hold OpenFeature's
 * spelling (upper case), whichever way the event came in.
 */
export const METADATA_PROVIDER = 'provider';
export const METADATA_FLAG_SET_ID = 'flagSetId';
export const METADATA_REASON = 'reason';
export const METADATA_ERROR_CODE = 'errorCode';

/** The record's event name: `eventName`, or the older `event.name` attribute. */
export function eventNameOf(record: ReadableLogRecordLike): unknown {
  return record.eventName || record.attributes[ATTR_EVENT_NAME];
}

/** Whether the record is a `feature_flag.evaluation` event. Never throws on a record-like object. */
export function isFeatureFlagEvaluation(record: ReadableLogRecordLike): boolean {
  return eventNameOf(record) === EVENT_FEATURE_FLAG_EVALUATION;
}

/** Scalars as text (a version or context id may come as a number); anything else is absent. */
function text(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

/**
 * `feature_flag.result.value` back as the value: attributes cannot hold
 * objects, so producers (OpenFeature's `createEvaluationEvent`, our
 * `OtelLogsExporter`) send objects and arrays as JSON text.
 */
function valueOf(raw: unknown): unknown {
  if (raw === undefined) return null; // producers omit null values
  if (typeof raw === 'string' && (raw.startsWith('{') || raw.startsWith('['))) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object') return parsed;
    } catch {
      // Plain text that happens to start with a bracket.
    }
  }
  return raw;
}

function secondsOf(time: unknown): number | undefined {
  if (!Array.isArray(time) || typeof time[0] !== 'number' || !Number.isFinite(time[0]) || time[0] <= 0) return undefined;
  return Math.floor(time[0]);
}

/**
 * A `feature_flag.evaluation` record as a `FeatureEvent` (SPEC §7), or
 * undefined when it has no flag key. Call it on records that
 * `isFeatureFlagEvaluation` accepted. Mirrors the OpenFeature hook: a failed
 * evaluation (`error.type`, kept upper-cased in `metadata.errorCode`) or a
 * disabled flag gives `default: true` and `variation: 'SdkDefault'`.
 */
export function logRecordToFeatureEvent(record: ReadableLogRecordLike, source: string): FeatureEvent | undefined {
  const attributes = record.attributes;
  const key = attributes[ATTR_FEATURE_FLAG_KEY];
  if (typeof key !== 'string' || key === '') return undefined;

  // Back to OpenFeature's spelling, which the OpenFeature hook sends (and GO Feature Flag uses).
  const reason = text(attributes[ATTR_FEATURE_FLAG_RESULT_REASON])?.toUpperCase();
  const errorType = attributes[ATTR_ERROR_TYPE];
  const hasError = errorType !== undefined && errorType !== null;
  const failed = hasError || reason === FEATURE_FLAG_RESULT_REASON_VALUE_DISABLED.toUpperCase();
  const variant = text(attributes[ATTR_FEATURE_FLAG_RESULT_VARIANT]);
  const contextId = text(attributes[ATTR_FEATURE_FLAG_CONTEXT_ID]);
  const hasContextId = contextId !== undefined && contextId !== '';

  const provider = text(attributes[ATTR_FEATURE_FLAG_PROVIDER_NAME]);
  const setId = text(attributes[ATTR_FEATURE_FLAG_SET_ID]);
  const version = text(attributes[ATTR_FEATURE_FLAG_VERSION]);

  // Keys in Go's order, version always present ('' as Go writes an absent one), and the
  // metadata keys inserted sorted: such an event takes the encoder's fast path.
  const event: FeatureEvent = {
    kind: 'feature',
    contextKind: hasContextId ? 'user' : 'anonymousUser',
    userKey: hasContextId ? contextId : UNDEFINED_TARGETING_KEY,
    creationDate: secondsOf(record.hrTime) ?? secondsOf(record.hrTimeObserved) ?? unixSeconds(),
    key,
    variation: failed || !variant ? SDK_DEFAULT_VARIATION : variant,
    value: valueOf(attributes[ATTR_FEATURE_FLAG_RESULT_VALUE]),
    default: failed,
    version: version ?? '',
    source,
  };
  if (hasError || setId !== undefined || provider !== undefined || reason !== undefined) {
    const metadata: Record<string, unknown> = {};
    if (hasError) metadata[METADATA_ERROR_CODE] = (text(errorType) || ERROR_TYPE_VALUE_GENERAL).toUpperCase();
    if (setId !== undefined) metadata[METADATA_FLAG_SET_ID] = setId;
    if (provider !== undefined) metadata[METADATA_PROVIDER] = provider;
    if (reason !== undefined) metadata[METADATA_REASON] = reason;
    event.metadata = metadata;
  }
  return event;
}
