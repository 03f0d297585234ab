/**
 * The events a process collects and delivers, shaped like GO Feature Flag's
 * `exporter.FeatureEvent` and `exporter.TrackingEvent` (SPEC §2).
 */

/** One feature-flag evaluation. */
export interface FeatureEvent {
  kind: 'feature';
  /** 'user', or 'anonymousUser' when the context is anonymous. */
  contextKind?: string;
  /** The targeting key. */
  userKey: string;
  /** Unix time in whole seconds (an integer, as GO Feature Flag sends it). */
  creationDate: number;
  /** Flag key. */
  key: string;
  /** Variant name; 'SdkDefault' when evaluation failed. */
  variation: string;
  /** The value returned to the caller. */
  value: unknown;
  /** True when evaluation failed and the caller's default was used. */
  default: boolean;
  /** Flag version; serialized as "" when unknown. */
  version?: string;
  /** Where the event comes from ('SERVER' from our adapters); "" when absent. */
  source?: string;
  metadata?: Record<string, unknown>;
}

/** One call to OpenFeature's `track()`. */
export interface TrackingEvent {
  kind: 'tracking';
  contextKind?: string;
  userKey: string;
  creationDate: number;
  key: string;
  evaluationContext: Record<string, unknown>;
  trackingEventDetails: Record<string, unknown>;
}

export type ExportableEvent = FeatureEvent | TrackingEvent;

/** The user key GO Feature Flag's providers send when the context has no targeting key. */
export const UNDEFINED_TARGETING_KEY = 'undefined-targetingKey';
/** The variation of an evaluation that fell back to the caller's default. */
export const SDK_DEFAULT_VARIATION = 'SdkDefault';

/** Unix time in whole seconds, as `creationDate` wants it. */
export function unixSeconds(date: Date | number = Date.now()): number {
  return Math.floor((typeof date === 'number' ? date : date.getTime()) / 1000);
}

/**
 * Why `value` cannot be carried faithfully by JSON, or undefined when it can.
 * Rejects BigInt, functions, symbols, undefined, NaN/±Infinity and cycles,
 * at any depth.
 */
/**
 * Deepest nesting of objects and arrays an event may carry. The validator and
 * the serializer share it, so an event that passes one never overflows the
 * stack in the other (and is then lost while counted as delivered).
 */
export const MAX_JSON_DEPTH = 512;

/** A `new String()`, `new Number()` or `new Boolean()`: JSON writes the primitive inside. */
export function isBoxedPrimitive(value: object): value is { valueOf(): string | number | boolean } {
  return value instanceof String || value instanceof Number || value instanceof Boolean;
}

export function jsonProblem(value: unknown, path: string, seen: unknown[] = []): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot carry`;
    case 'object': {
      if (value === null) return undefined;
      if (seen.includes(value)) return `${path} contains a cycle`;
      if (seen.length >= MAX_JSON_DEPTH) return `${path} nests deeper than ${MAX_JSON_DEPTH} levels`;
      if (isBoxedPrimitive(value)) return jsonProblem(value.valueOf(), path, seen);
      // As JSON (and the serializer) do: what is sent is what toJSON returns.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return jsonProblem((value as { toJSON(): unknown }).toJSON(), path, seen);
      }
      seen.push(value);
      let problem: string | undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && problem === undefined; i++) {
          problem = jsonProblem(value[i], `${path}[${i}]`, seen);
        }
      } else {
        for (const key of Object.keys(value)) {
          problem = jsonProblem((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
          if (problem !== undefined) break;
        }
      }
      seen.pop();
      return problem;
    }
    default:
      return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which JSON cannot carry`;
  }
}

/** A map field (metadata, evaluationContext, ...) is written key by key, as the serializer does: no toJSON of its own. */
function recordProblem(record: Record<string, unknown>, path: string): string | undefined {
  const seen: unknown[] = [record];
  for (const key of Object.keys(record)) {
    const problem = jsonProblem(record[key], `${path}.${key}`, seen);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Frozen maps of primitives already found valid: they cannot change, so they are checked once. */
const validFrozenMaps = new WeakSet<object>();

function mapProblem(value: Record<string, unknown>, path: string): string | undefined {
  if (validFrozenMaps.has(value)) return undefined;
  const problem = recordProblem(value, path);
  if (problem === undefined && Object.isFrozen(value) && Object.values(value).every((v) => typeof v !== 'object' || v === null)) {
    validFrozenMaps.add(value);
  }
  return problem;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(event: Record<string, unknown>, field: string): string | undefined {
  const value = event[field];
  return value === undefined || typeof value === 'string' ? undefined : `${field} must be a string`;
}

/**
 * Why `event` is not a valid `ExportableEvent` (SPEC §2), or undefined when it is.
 * Only fields that are sent are checked; the reason never quotes a value.
 */
export function validateEvent(event: unknown): string | undefined {
  if (!isPlainObject(event)) return 'an event must be an object';
  const kind = event.kind;
  if (kind !== 'feature' && kind !== 'tracking') return "kind must be 'feature' or 'tracking'";
  if (typeof event.userKey !== 'string') return 'userKey must be a string';
  if (typeof event.key !== 'string') return 'key must be a string';
  // Go decodes it as an int64: 1e21 would be sent as `1e+21` and 2**63 rounded, and the receiver refuses the batch.
  if (!Number.isSafeInteger(event.creationDate)) return 'creationDate must be a safe integer (Unix seconds)';
  const contextKind = optionalString(event, 'contextKind');
  if (contextKind !== undefined) return contextKind;
  if (kind === 'feature') {
    if (typeof event.variation !== 'string') return 'variation must be a string';
    if (typeof event.default !== 'boolean') return 'default must be a boolean';
    if (event.value === undefined) return 'value is required';
    const problem = optionalString(event, 'version') ?? optionalString(event, 'source');
    if (problem !== undefined) return problem;
    if (event.metadata !== undefined && !isPlainObject(event.metadata)) return 'metadata must be an object';
    return jsonProblem(event.value, 'value') ?? (event.metadata === undefined ? undefined : mapProblem(event.metadata, 'metadata'));
  }
  if (!isPlainObject(event.evaluationContext)) return 'evaluationContext must be an object';
  if (!isPlainObject(event.trackingEventDetails)) return 'trackingEventDetails must be an object';
  return recordProblem(event.evaluationContext, 'evaluationContext') ?? recordProblem(event.trackingEventDetails, 'trackingEventDetails');
}
