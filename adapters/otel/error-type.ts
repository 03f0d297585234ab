import {
  ERROR_TYPE_VALUE_FLAG_NOT_FOUND,
  ERROR_TYPE_VALUE_GENERAL,
  ERROR_TYPE_VALUE_INVALID_CONTEXT,
  ERROR_TYPE_VALUE_PARSE_ERROR,
  ERROR_TYPE_VALUE_PROVIDER_FATAL,
  ERROR_TYPE_VALUE_PROVIDER_NOT_READY,
  ERROR_TYPE_VALUE_TARGETING_KEY_MISSING,
  ERROR_TYPE_VALUE_TYPE_MISMATCH,
} from './semconv.js';

const ERROR_TYPES: ReadonlySet<string> = new Set([
  ERROR_TYPE_VALUE_PROVIDER_NOT_READY,
  ERROR_TYPE_VALUE_PROVIDER_FATAL,
  ERROR_TYPE_VALUE_FLAG_NOT_FOUND,
  ERROR_TYPE_VALUE_PARSE_ERROR,
  ERROR_TYPE_VALUE_TYPE_MISMATCH,
  ERROR_TYPE_VALUE_TARGETING_KEY_MISSING,
  ERROR_TYPE_VALUE_INVALID_CONTEXT,
  ERROR_TYPE_VALUE_GENERAL,
]);

/**
 * The `error.type` of an event's `metadata.errorCode` (an OpenFeature error
 * code, any case): its own lower-case value, or `general` when it is absent
 * or not one of OpenFeature's, which keeps the attribute's values few.
 */
export function errorTypeOf(errorCode: unknown): string {
  if (typeof errorCode === 'string') {
    const errorType = errorCode.toLowerCase();
    if (ERROR_TYPES.has(errorType)) return errorType;
  }
  return ERROR_TYPE_VALUE_GENERAL;
}
