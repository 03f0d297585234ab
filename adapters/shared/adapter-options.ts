import { diag } from '@opentelemetry/api';
import type { ExportableEvent, FeatureEvent } from '../../src/events.js';

/**
 * What the flag-SDK adapters share: their options, the checks of what the
 * user passed, and one warning when an event could not be made. Not an entry
 * point of its own; each adapter imports it, none imports another adapter.
 */

/** Where an adapter puts its events: a `BatchProcessor`, or anything with `add`. */
export interface FeatureEventSink {
  /** Takes one feature event; synchronous, as `BatchProcessor.add` is. */
  add(event: FeatureEvent): void;
}

/** A sink that also takes tracking events (GrowthBook's experiment exposures). */
export interface EventSink {
  /** Takes one feature or tracking event; synchronous, as `BatchProcessor.add` is. */
  add(event: ExportableEvent): void;
}

/** The options every flag-SDK adapter takes. */
export interface AdapterOptions {
  /** `source` of every event; 'SERVER' unless set. */
  source?: string;
  /** Entries of every event's `metadata`, beside `provider`, `reason`, ... (which win on a clash). */
  metadata?: Record<string, unknown>;
}

/** The options, checked and copied. */
export interface CheckedOptions {
  source: string;
  /** The metadata option's entries, undefined values left out (JSON cannot carry them). */
  metadataEntries: ReadonlyArray<readonly [string, unknown]>;
}

/** Throws a TypeError naming what is wrong, as a bad config must (SPEC: bad input). */
export function checkSink(adapter: string, sink: unknown): void {
  if (sink === null || typeof sink !== 'object' || typeof (sink as { add?: unknown }).add !== 'function') {
    throw new TypeError(`${adapter}: the processor must have an add(event) method`);
  }
}

/** Checks the options every adapter shares and copies them, so later changes by the caller do not leak into events. */
export function checkOptions(adapter: string, options: AdapterOptions | undefined): CheckedOptions {
  if (options === undefined) return { source: 'SERVER', metadataEntries: [] };
  if (options === null || typeof options !== 'object') throw new TypeError(`${adapter}: options must be an object`);
  if (options.source !== undefined && typeof options.source !== 'string') {
    throw new TypeError(`${adapter}: options.source must be a string`);
  }
  if (options.metadata !== undefined && (options.metadata === null || typeof options.metadata !== 'object')) {
    throw new TypeError(`${adapter}: options.metadata must be an object`);
  }
  return {
    source: options.source ?? 'SERVER',
    metadataEntries: Object.entries(options.metadata ?? {}).filter(([, value]) => value !== undefined),
  };
}

/** Checks that an optional option is a non-empty string. */
export function checkName(adapter: string, option: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw new TypeError(`${adapter}: options.${option} must be a non-empty string`);
  }
}

/** Logs (through OpenTelemetry's diag, silent until a logger is set) that one evaluation was not recorded. */
export function warnNotRecorded(adapter: string, err: unknown): void {
  try {
    diag.warn(`${adapter}: could not record a flag evaluation`, err);
  } catch {
    // A user's diag logger that throws must not reach the SDK either.
  }
}
