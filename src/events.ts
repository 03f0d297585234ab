import { EventEncoder } from './event-encoder.js';
export { MAX_JSON_DEPTH, isBoxedPrimitive } from './event-encoder.js';

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

/** Why `value` cannot be carried faithfully by JSON (naming `path` inside it), or undefined when it can. */
export function jsonProblem(value: unknown, path: string): string | undefined {
  const encoder = new EventEncoder();
  return encoder.encodeValue(value, path) === undefined ? encoder.problem : undefined;
}

/**
 * Why `event` is not a valid `ExportableEvent` (SPEC §2), or undefined when it is:
 * exactly when the serializer would refuse it, since both are the same walk.
 * Only fields that are sent are checked; the reason never quotes a value.
 */
export function validateEvent(event: unknown): string | undefined {
  const encoder = new EventEncoder();
  return encoder.encode(event) === undefined ? encoder.problem : undefined;
}
