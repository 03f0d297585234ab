import type { MeterProvider } from '@opentelemetry/api';
import type { SpoolOptions } from '../spool/spool-options.js';
import { MAX_TIMER_MS } from './flush-schedule.js';

/** Options of a {@link BatchProcessor}; every number is a positive integer. */
export interface BatchProcessorOptions {
  /** Milliseconds between timed flushes, at most 2^31−1. Default 60 000 (GO Feature Flag's). A `Retry-After` longer than 1 hour is not honoured: that failure backs off as any other. */
  flushInterval?: number;
  /** Pending events that trigger a flush. Default 100 000 (GO Feature Flag's). */
  maxEventInMemory?: number;
  /** Hard cap on pending + in-flight events while the endpoint fails. Default 4 × maxEventInMemory. */
  maxBufferedEvents?: number;
  /** Events per export call. Default maxEventInMemory. */
  maxBatchSize?: number;
  /** Bytes of serialized events per export call: a batch is cut before it would pass it; one event over it is dropped as invalid. Default 4 MiB. */
  maxBatchBytes?: number;
  /** Milliseconds one export (all its in-call retries) may take, at most 2^31−1. Default 30 000. */
  exportTimeout?: number;
  /** Where the processor's self-metrics go; default the global MeterProvider (a no-op until one is set). */
  meterProvider?: MeterProvider;
  /** A durable spool (SPEC §10): accepted events survive a crash or restart. Default none: memory only. */
  spool?: SpoolOptions;
}

export type ResolvedProcessorOptions = Required<Omit<BatchProcessorOptions, 'meterProvider' | 'spool'>>;

export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024;

const KNOWN = new Set(['flushInterval', 'maxEventInMemory', 'maxBufferedEvents', 'maxBatchSize', 'maxBatchBytes', 'exportTimeout', 'meterProvider', 'spool']);

function positiveInteger(
  options: BatchProcessorOptions,
  name: keyof BatchProcessorOptions,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number') throw new TypeError(`BatchProcessor option ${name} must be a number`);
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`BatchProcessor option ${name} must be a positive integer`);
  }
  if (value > max) throw new RangeError(`BatchProcessor option ${name} must be at most ${max} ms (${value} given)`);
  return value;
}

/** Something that can export: an object with `export` and `shutdown` functions. */
export function checkExporter(exporter: unknown): void {
  const candidate = exporter as { export?: unknown; shutdown?: unknown } | null | undefined;
  if (typeof candidate?.export === 'function' && typeof candidate.shutdown === 'function') return;
  const looksLikeOptions = typeof exporter === 'object' && exporter !== null && 'endpointUrl' in exporter;
  throw new TypeError(
    looksLikeOptions
      ? 'new BatchProcessor(exporter, options) takes an exporter first: new BatchProcessor(new WebhookExporter({ endpointUrl }), options)'
      : 'BatchProcessor needs an exporter (an object with export() and shutdown()) as its first argument',
  );
}

/** Validates at construction, naming the option the user wrote (SPEC §4). */
export function resolveProcessorOptions(options: BatchProcessorOptions): ResolvedProcessorOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('BatchProcessor options must be an object');
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw new TypeError(`BatchProcessor has no option ${name}`);
  }
  const flushInterval = positiveInteger(options, 'flushInterval', 60_000, MAX_TIMER_MS);
  const maxEventInMemory = positiveInteger(options, 'maxEventInMemory', 100_000);
  const maxBufferedEvents = positiveInteger(options, 'maxBufferedEvents', 4 * maxEventInMemory);
  const maxBatchSize = positiveInteger(options, 'maxBatchSize', maxEventInMemory);
  const maxBatchBytes = positiveInteger(options, 'maxBatchBytes', DEFAULT_MAX_BATCH_BYTES);
  const exportTimeout = positiveInteger(options, 'exportTimeout', 30_000, MAX_TIMER_MS);
  if (maxEventInMemory > maxBufferedEvents) {
    throw new RangeError(
      `BatchProcessor option maxEventInMemory (${maxEventInMemory}) must not exceed maxBufferedEvents (${maxBufferedEvents})`,
    );
  }
  if (maxBatchSize > maxBufferedEvents) {
    // Only name maxBatchSize when the user set it: its default follows maxEventInMemory.
    const batchName = options.maxBatchSize === undefined ? 'maxEventInMemory' : 'maxBatchSize';
    throw new RangeError(`BatchProcessor option ${batchName} (${maxBatchSize}) must not exceed maxBufferedEvents (${maxBufferedEvents})`);
  }
  return { flushInterval, maxEventInMemory, maxBufferedEvents, maxBatchSize, maxBatchBytes, exportTimeout };
}
