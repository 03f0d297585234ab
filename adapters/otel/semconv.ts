/**
 * The OpenTelemetry names the adapters read and write: feature-flag semantic
 * conventions (https://opentelemetry.io/docs/specs/semconv/feature-flags/).
 * Our own copies, because `@opentelemetry/semantic-conventions` exports them
 * only from its unstable `incubating` entry. Same names as there.
 */

/** Event name of one flag evaluation. */
export const EVENT_FEATURE_FLAG_EVALUATION = 'feature_flag.evaluation';

/** Where older logs APIs, without `LogRecord.eventName`, put the event name. */
export const ATTR_EVENT_NAME = 'event.name';

export const ATTR_FEATURE_FLAG_KEY = 'feature_flag.key';
export const ATTR_FEATURE_FLAG_RESULT_VARIANT = 'feature_flag.result.variant';
export const ATTR_FEATURE_FLAG_RESULT_VALUE = 'feature_flag.result.value';
export const ATTR_FEATURE_FLAG_RESULT_REASON = 'feature_flag.result.reason';
export const ATTR_FEATURE_FLAG_CONTEXT_ID = 'feature_flag.context.id';
export const ATTR_FEATURE_FLAG_VERSION = 'feature_flag.version';
export const ATTR_FEATURE_FLAG_PROVIDER_NAME = 'feature_flag.provider.name';
export const ATTR_FEATURE_FLAG_SET_ID = 'feature_flag.set.id';
export const ATTR_ERROR_TYPE = 'error.type';

/** `feature_flag.result.reason` of an evaluation that failed. */
export const FEATURE_FLAG_RESULT_REASON_VALUE_ERROR = 'error';
/** `feature_flag.result.reason` of a disabled flag. */
export const FEATURE_FLAG_RESULT_REASON_VALUE_DISABLED = 'disabled';
/**
 * `error.type` when the kind of failure is not known: not a semantic-convention
 * value but OpenFeature's `ErrorCode.GENERAL`, lower-cased as its `EventHook` writes it.
 */
export const ERROR_TYPE_VALUE_GENERAL = 'general';
