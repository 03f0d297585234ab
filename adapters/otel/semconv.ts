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

/*
 * `error.type` of a failed evaluation. The semantic conventions give no list
 * (only `flag_not_found` as an example); OpenFeature's Appendix D maps its
 * error codes there in lower case, as its `EventHook` writes them. Not in the
 * semantic-conventions package.
 */
/** The provider was not ready. */
export const ERROR_TYPE_VALUE_PROVIDER_NOT_READY = 'provider_not_ready';
/** The provider is in an irrecoverable error state. */
export const ERROR_TYPE_VALUE_PROVIDER_FATAL = 'provider_fatal';
/** The flag could not be found. */
export const ERROR_TYPE_VALUE_FLAG_NOT_FOUND = 'flag_not_found';
/** The flag's data could not be parsed. */
export const ERROR_TYPE_VALUE_PARSE_ERROR = 'parse_error';
/** The flag's value is not of the type asked for. */
export const ERROR_TYPE_VALUE_TYPE_MISMATCH = 'type_mismatch';
/** The provider needs a targeting key and the context has none. */
export const ERROR_TYPE_VALUE_TARGETING_KEY_MISSING = 'targeting_key_missing';
/** The context does not meet the provider's requirements. */
export const ERROR_TYPE_VALUE_INVALID_CONTEXT = 'invalid_context';
/** Any other failure, or one whose kind is not known. */
export const ERROR_TYPE_VALUE_GENERAL = 'general';
