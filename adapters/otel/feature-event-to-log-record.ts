import { SDK_DEFAULT_VARIATION, UNDEFINED_TARGETING_KEY, type FeatureEvent } from '../../src/events.js';
import type { OtelLogRecord } from './otel-types.js';
import { errorTypeOf } from './error-type.js';
import { METADATA_ERROR_CODE, METADATA_FLAG_SET_ID, METADATA_PROVIDER, METADATA_REASON } from './log-record-to-event.js';
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
  EVENT_FEATURE_FLAG_EVALUATION,
  FEATURE_FLAG_RESULT_REASON_VALUE_DISABLED,
  FEATURE_FLAG_RESULT_REASON_VALUE_ERROR,
} from './semconv.js';

/**
 * A `FeatureEvent` as a `feature_flag.evaluation` log record (SPEC §7), the
 * inverse of `logRecordToFeatureEvent`. The event name goes both in
 * `eventName` and in the `event.name` attribute, for logs APIs that lack the
 * former. Throws when the value cannot be written as JSON (a BigInt, a cycle);
 * the caller counts that event as invalid.
 */
export function featureEventToLogRecord(event: FeatureEvent): OtelLogRecord {
  const attributes: Record<string, string | number | boolean> = {
    [ATTR_EVENT_NAME]: EVENT_FEATURE_FLAG_EVALUATION,
    [ATTR_FEATURE_FLAG_KEY]: event.key,
  };
  // 'SdkDefault' names no variant: it only says the default came back.
  if (event.variation !== SDK_DEFAULT_VARIATION) attributes[ATTR_FEATURE_FLAG_RESULT_VARIANT] = event.variation;

  const value = event.value;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    attributes[ATTR_FEATURE_FLAG_RESULT_VALUE] = value;
  } else if (value !== null && typeof value === 'object') {
    attributes[ATTR_FEATURE_FLAG_RESULT_VALUE] = JSON.stringify(value);
  } // null is left out, as OpenFeature's own event does.

  // No context id for an anonymous user, nor the placeholder key.
  if (event.contextKind !== 'anonymousUser' && event.userKey !== UNDEFINED_TARGETING_KEY) {
    attributes[ATTR_FEATURE_FLAG_CONTEXT_ID] = event.userKey;
  }
  if (typeof event.version === 'string' && event.version !== '') attributes[ATTR_FEATURE_FLAG_VERSION] = event.version;

  const metadata = event.metadata;
  const provider = metadata?.[METADATA_PROVIDER];
  if (typeof provider === 'string') attributes[ATTR_FEATURE_FLAG_PROVIDER_NAME] = provider;
  const setId = metadata?.[METADATA_FLAG_SET_ID];
  if (typeof setId === 'string') attributes[ATTR_FEATURE_FLAG_SET_ID] = setId;

  // Semantic conventions spell reasons and error types in lower case; OpenFeature (and our events) in upper case.
  const rawReason = metadata?.[METADATA_REASON];
  const reason = typeof rawReason === 'string' ? rawReason.toLowerCase() : undefined;
  if (event.default && reason !== FEATURE_FLAG_RESULT_REASON_VALUE_DISABLED) {
    // The caller's default came back because the evaluation failed: say how.
    attributes[ATTR_ERROR_TYPE] = errorTypeOf(metadata?.[METADATA_ERROR_CODE]);
    attributes[ATTR_FEATURE_FLAG_RESULT_REASON] = FEATURE_FLAG_RESULT_REASON_VALUE_ERROR;
  } else if (reason !== undefined) {
    // A disabled flag gives the default too, but is no error.
    attributes[ATTR_FEATURE_FLAG_RESULT_REASON] = reason;
  }

  return {
    eventName: EVENT_FEATURE_FLAG_EVALUATION,
    // An HrTime, not milliseconds: the SDK reads a number below its process
    // start time as relative to that start.
    timestamp: [event.creationDate, 0],
    attributes,
  };
}
