import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { assignBatchId } from './batch-id.js';
import { validateEvent, type ExportableEvent } from './events.js';
import { EventQueue } from './event-queue.js';
import type { EventExporter } from './exporter.js';

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
  /** Milliseconds one export (all its in-call retries) may take, at most 2^31−1. Default 30 000. */
  exportTimeout?: number;
}

/** The last failed export, as `stats()` reports it. */
export interface LastExportError {
  message: string;
  status?: number;
  code?: string;
  at: Date;
}

/** A snapshot of a processor's accounting (SPEC §4 rule 6 holds on every one). */
export interface ProcessorStats {
  accepted: number;
  delivered: number;
  pending: number;
  inFlight: number;
  dropped: { overflow: number; invalid: number; shutdown: number };
  failedExports: number;
  lastError?: LastExportError;
}

interface SplitFamily {
  refusals: number;
  budget: number;
}

type PassKind = 'timer' | 'size' | 'force' | 'shutdown';

/** Fields an exporter's error may carry (SPEC §3). */
interface ExportErrorFields {
  status?: unknown;
  code?: unknown;
  retryAfterMs?: unknown;
}

const FIRST_BACKOFF_MS = 1_000;
/** The longest delay a Node timer holds; a larger one silently fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A `Retry-After` is honoured up to this; past it the failure backs off as any other. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
/** Keeps the process alive while forceFlush() or shutdown() is awaited; never fires. */
const HOLD_INTERVAL_MS = 2 ** 30;

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

/** validateEvent, but an event that throws when read (a getter, a Proxy, nesting past the stack) is invalid too. */
function problemOf(event: ExportableEvent): string | undefined {
  try {
    return validateEvent(event);
  } catch {
    return 'the event could not be read (a getter or proxy threw, or it nests too deep)';
  }
}

function failed(message: string, code: string): ExportResult {
  return { code: ExportResultCode.FAILED, error: Object.assign(new Error(message), { code }) };
}

/**
 * Keeps events in memory and hands them to an exporter in batches, as GO
 * Feature Flag's data exporter does: every `flushInterval`, when
 * `maxEventInMemory` events are pending, on `forceFlush()` and on
 * `shutdown()`. Memory stays bounded while the endpoint fails and every event
 * is accounted for (SPEC §4).
 */
export class BatchProcessor {
  private readonly flushInterval: number;
  private readonly maxEventInMemory: number;
  private readonly maxBufferedEvents: number;
  private readonly maxBatchSize: number;
  private readonly exportTimeout: number;

  private readonly queue = new EventQueue<ExportableEvent>();
  /**
   * Batches already formed, oldest first, ahead of the queue: failed ones
   * waiting for their next attempt, halves of a 413, and the one formed ahead
   * while another is in flight. Each keeps its array, and so its id.
   */
  private readonly formedBatches: ExportableEvent[][] = [];
  /**
   * Batches formed ahead (for prepare) and not yet handed to export(): no
   * receiver has seen their id, so overflow may trim them to the exact excess.
   */
  private readonly formedAhead = new WeakSet<ExportableEvent[]>();
  /** Batches formed ahead from events the running pass does not cover: the next pass sends them. */
  private formedForNextPass = new WeakSet<ExportableEvent[]>();
  /** Batches whose prepare() is scheduled or done. */
  private readonly preparing = new WeakSet<ExportableEvent[]>();
  /** The pieces of one batch split by 413s share one refusal budget (the split floor). */
  private readonly splitFamilies = new WeakMap<ExportableEvent[], SplitFamily>();
  private formedCount = 0;
  private inFlight = 0;

  private accepted = 0;
  private delivered = 0;
  private droppedOverflow = 0;
  private droppedInvalid = 0;
  private droppedShutdown = 0;
  private failedExports = 0;
  private lastError: LastExportError | undefined;

  private readonly ticker: NodeJS.Timeout;
  private backoffTimer: NodeJS.Timeout | undefined;
  private sizeFlushScheduled = false;
  private failures = 0;
  private backoffUntil = 0;
  private retryAfterUntil = 0;
  private overflowWarned = false;

  private passChain: Promise<void> = Promise.resolve();
  private passesQueued = 0;
  private sizeRerun = false;
  /** Where the running pass stops taking events (it never chases new ones). */
  private passUntilSeq = 0;
  private queuedForce: Promise<void> | undefined;
  private holds = 0;
  private holdTimer: NodeJS.Timeout | undefined;

  private stopping = false;
  private shutdownPromise: Promise<void> | undefined;
  /** Aborted at the shutdown deadline: ends whatever export is in flight then. */
  private readonly stopController = new AbortController();

  constructor(
    private readonly exporter: EventExporter<ExportableEvent>,
    options: BatchProcessorOptions = {},
  ) {
    this.flushInterval = positiveInteger(options, 'flushInterval', 60_000, MAX_TIMER_MS);
    this.maxEventInMemory = positiveInteger(options, 'maxEventInMemory', 100_000);
    this.maxBufferedEvents = positiveInteger(options, 'maxBufferedEvents', 4 * this.maxEventInMemory);
    this.maxBatchSize = positiveInteger(options, 'maxBatchSize', this.maxEventInMemory);
    this.exportTimeout = positiveInteger(options, 'exportTimeout', 30_000, MAX_TIMER_MS);
    if (this.maxBatchSize > this.maxBufferedEvents) {
      throw new RangeError('BatchProcessor option maxBatchSize must not exceed maxBufferedEvents');
    }
    if (this.maxEventInMemory > this.maxBufferedEvents) {
      throw new RangeError('BatchProcessor option maxEventInMemory must not exceed maxBufferedEvents');
    }
    this.ticker = setInterval(() => this.requestPass('timer'), this.flushInterval);
    this.ticker.unref();
  }

  /** Accepts one event: synchronous, O(1), never throws, never does I/O. */
  add(event: ExportableEvent): void {
    this.accepted++;
    if (this.stopping) {
      this.droppedShutdown++;
      return;
    }
    this.queue.push(event);
    if (this.queue.length + this.formedCount + this.inFlight > this.maxBufferedEvents) this.dropOldest();
    if (!this.sizeFlushScheduled && this.queue.length + this.formedCount >= this.maxEventInMemory) {
      this.sizeFlushScheduled = true;
      // After the caller's synchronous work: add() itself never serializes or sends.
      void Promise.resolve().then(() => this.onSizeReached());
    }
  }

  /** Resolves, never rejects, once every event accepted before the call was tried. */
  forceFlush(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise;
    // A forced pass that has not begun yet will cover this call's events too.
    if (this.queuedForce) return this.queuedForce;
    const release = this.holdProcess();
    const done = this.enqueuePass('force').then(() => this.flushExporter());
    this.queuedForce = done;
    return done.finally(release);
  }

  /** Flushes once within `exportTimeout`, then shuts the exporter down. Idempotent, never rejects. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  stats(): ProcessorStats {
    const stats: ProcessorStats = {
      accepted: this.accepted,
      delivered: this.delivered,
      pending: this.queue.length + this.formedCount,
      inFlight: this.inFlight,
      dropped: { overflow: this.droppedOverflow, invalid: this.droppedInvalid, shutdown: this.droppedShutdown },
      failedExports: this.failedExports,
    };
    if (this.lastError) stats.lastError = { ...this.lastError, at: new Date(this.lastError.at) };
    return stats;
  }

  private async runShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.ticker);
    clearTimeout(this.backoffTimer);
    const release = this.holdProcess();
    const deadline = setTimeout(() => this.stopController.abort(), this.exportTimeout);
    try {
      await this.enqueuePass('shutdown');
      const undelivered = this.queue.length + this.formedCount;
      this.droppedShutdown += undelivered;
      this.queue.clear();
      this.formedBatches.length = 0;
      this.formedCount = 0;
      if (undelivered > 0) diag.warn(`ff-webhook-exporter: shutdown dropped ${undelivered} undelivered events`);
      await this.shutdownExporter();
    } finally {
      clearTimeout(deadline);
      release();
    }
  }

  /** The exporter's own forceFlush, waited for at most exportTimeout (a user exporter may never settle). */
  private flushExporter(): Promise<void> {
    // The global setTimeout, not AbortSignal.timeout: one clock for every timer of the processor.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.exportTimeout);
    timer.unref();
    return this.exporterStep('forceFlush', () => this.exporter.forceFlush?.(), controller.signal).finally(() =>
      clearTimeout(timer),
    );
  }

  /** The exporter's shutdown, waited for until the shutdown deadline at most. */
  private shutdownExporter(): Promise<void> {
    return this.exporterStep('shutdown', () => this.exporter.shutdown(), this.stopController.signal);
  }

  /** Runs one of the exporter's own steps; resolves when it settles or `bound` aborts, never rejects. */
  private exporterStep(name: string, step: () => Promise<void> | undefined, bound: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        bound.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        diag.warn(`ff-webhook-exporter: exporter ${name} did not settle in time; not waiting for it`);
        done();
      };
      let running: Promise<void> | undefined;
      try {
        running = step();
      } catch (error) {
        running = Promise.reject(error);
      }
      if (running === undefined) return done();
      if (bound.aborted) {
        running.catch(() => undefined);
        return onAbort();
      }
      bound.addEventListener('abort', onAbort, { once: true });
      running.then(done, (error: unknown) => {
        diag.warn(`ff-webhook-exporter: exporter ${name} failed: ${(error as Error)?.message}`);
        done();
      });
    });
  }

  /** While a forceFlush() or shutdown() is awaited, a ref'd timer keeps the process alive. */
  private holdProcess(): () => void {
    if (this.holds++ === 0) this.holdTimer = setInterval(() => undefined, HOLD_INTERVAL_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) clearInterval(this.holdTimer);
    };
  }

  /** Pending + in-flight passed the cap: drop the oldest pending events, a waiting batch whole. */
  private dropOldest(): void {
    let dropped = 0;
    while (this.queue.length + this.formedCount + this.inFlight > this.maxBufferedEvents) {
      const batch = this.formedBatches.shift();
      if (batch && this.formedAhead.has(batch)) {
        // Never sent, so no receiver knows its id: trim it to exactly the excess, as a new batch.
        const excess = this.queue.length + this.formedCount + this.inFlight - this.maxBufferedEvents;
        const kept = batch.slice(Math.min(excess, batch.length));
        this.formedCount -= batch.length - kept.length;
        dropped += batch.length - kept.length;
        if (kept.length > 0) {
          assignBatchId(kept);
          this.formedAhead.add(kept);
          if (this.formedForNextPass.has(batch)) this.formedForNextPass.add(kept);
          this.formedBatches.unshift(kept);
        }
      } else if (batch) {
        this.formedCount -= batch.length;
        dropped += batch.length;
      } else {
        this.queue.shift();
        dropped++;
      }
    }
    this.droppedOverflow += dropped;
    if (!this.overflowWarned) {
      this.overflowWarned = true;
      diag.warn(
        `ff-webhook-exporter: more than ${this.maxBufferedEvents} events buffered while the endpoint fails; ` +
          'dropping the oldest (counted in stats().dropped.overflow)',
      );
    }
  }

  private onSizeReached(): void {
    this.sizeFlushScheduled = false;
    if (this.queue.length + this.formedCount >= this.maxEventInMemory) this.requestPass('size');
  }

  /** A timed or size-triggered flush; forced ones go straight to enqueuePass. */
  private requestPass(kind: 'timer' | 'size'): void {
    if (this.stopping) return;
    if (this.passesQueued > 0) {
      // Like Go's ticker, a tick during a flush is dropped; a size trigger is looked at again after it,
      // and meanwhile add() schedules nothing more: the full batch is formed and encoded ahead.
      if (kind === 'size') {
        this.sizeRerun = true;
        this.sizeFlushScheduled = true;
        this.prepareAhead(this.passUntilSeq);
      }
      return;
    }
    const now = Date.now();
    if (kind === 'timer' && now < this.retryAfterUntil) return;
    if (kind === 'size' && now < this.backoffUntil) {
      this.armBackoffTimer(this.backoffUntil - now);
      return;
    }
    void this.enqueuePass(kind);
  }

  private armBackoffTimer(delay: number): void {
    if (this.backoffTimer) return;
    this.sizeFlushScheduled = true;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.onSizeReached();
    }, delay);
    this.backoffTimer.unref();
  }

  /** Runs passes one after another: at most one export is ever in flight. */
  private enqueuePass(kind: PassKind): Promise<void> {
    this.passesQueued++;
    const pass = this.passChain.then(async () => {
      if (kind === 'force') this.queuedForce = undefined;
      try {
        await this.runPass(kind);
      } catch (error) {
        diag.error(`ff-webhook-exporter: flush failed unexpectedly: ${(error as Error)?.message}`);
      }
      if (--this.passesQueued === 0 && this.sizeRerun) {
        this.sizeRerun = false;
        this.onSizeReached();
      }
    });
    this.passChain = pass;
    return pass;
  }

  /** Sends every pending batch in order, stopping at the first failure. */
  private async runPass(kind: PassKind): Promise<void> {
    // Events added while this pass runs wait for the next one, so a pass always ends.
    const untilSeq = this.queue.tailSeq;
    this.passUntilSeq = untilSeq;
    this.formedForNextPass = new WeakSet();
    while (!this.stopController.signal.aborted) {
      const batch = this.nextBatch(untilSeq);
      if (!batch) return;
      const sent = this.send(batch, kind);
      this.prepareAhead(untilSeq);
      if (!(await sent)) return;
    }
  }

  /**
   * While one batch is in flight, forms the next and lets the exporter encode
   * it (`prepare`), so it can go out the moment the wire is free. Still one
   * export in flight; the encoding waits for a later turn of the event loop so
   * the current request is written first.
   */
  private prepareAhead(untilSeq: number): void {
    // While the endpoint fails, encoding ahead gains nothing and only churns memory.
    if (typeof this.exporter.prepare !== 'function' || this.failures > 0) return;
    let ahead = this.formedBatches[0];
    if (ahead === undefined) {
      // Past this pass's events, only a full batch is worth forming (under load, the next pass's first).
      const beyond = this.queue.headSeq >= untilSeq;
      if (beyond && this.queue.length < this.maxBatchSize) return;
      const formed = this.formBatch(beyond ? Infinity : untilSeq);
      if (formed === undefined) return;
      if (beyond) this.formedForNextPass.add(formed);
      this.formedAhead.add(formed);
      this.formedBatches.push(formed);
      this.formedCount += formed.length;
      ahead = formed;
    }
    const next = ahead;
    if (this.preparing.has(next)) return;
    this.preparing.add(next);
    setImmediate(() => {
      if (this.formedBatches[0] !== next) {
        this.preparing.delete(next); // not next in line any more (a failed batch came back first)
        return;
      }
      try {
        this.exporter.prepare?.(next);
      } catch (error) {
        diag.debug(`ff-webhook-exporter: exporter prepare failed: ${(error as Error)?.message}`);
      }
    }).unref();
  }

  private nextBatch(untilSeq: number): ExportableEvent[] | undefined {
    if (this.formedBatches.length > 0 && this.formedForNextPass.has(this.formedBatches[0]!)) return undefined;
    const waiting = this.formedBatches.shift();
    if (waiting) {
      this.formedCount -= waiting.length;
      return waiting;
    }
    return this.formBatch(untilSeq);
  }

  /** Takes the next events accepted before `untilSeq`, less invalid ones, as a new batch with its id. */
  private formBatch(untilSeq: number): ExportableEvent[] | undefined {
    while (this.queue.length > 0 && this.queue.headSeq < untilSeq) {
      const taken = this.queue.take(Math.min(this.maxBatchSize, untilSeq - this.queue.headSeq));
      const batch = this.withoutInvalid(taken);
      if (batch.length > 0) {
        assignBatchId(batch);
        return batch;
      }
    }
    return undefined;
  }

  /** Rule 5: an invalid event is dropped alone and counted; its neighbours go on. */
  private withoutInvalid(events: ExportableEvent[]): ExportableEvent[] {
    let firstProblem: string | undefined;
    let invalid = 0;
    const valid = events.filter((event) => {
      const problem = problemOf(event);
      if (problem === undefined) return true;
      firstProblem ??= problem;
      invalid++;
      return false;
    });
    if (invalid > 0) {
      this.droppedInvalid += invalid;
      diag.warn(`ff-webhook-exporter: dropped ${invalid} invalid event(s): ${firstProblem}`);
    }
    return valid;
  }

  /** Exports one batch; true when the pass may go on. */
  private async send(batch: ExportableEvent[], kind: PassKind): Promise<boolean> {
    this.inFlight = batch.length;
    this.formedAhead.delete(batch);
    const result = await this.exportWithDeadline(batch);
    this.inFlight = 0;
    if (result.code === ExportResultCode.SUCCESS) {
      this.delivered += batch.length;
      this.failures = 0;
      this.backoffUntil = 0;
      this.retryAfterUntil = 0;
      this.overflowWarned = false;
      if (this.backoffTimer !== undefined) {
        // A size trigger held by the old backoff is looked at again when this pass ends, not when it fires.
        clearTimeout(this.backoffTimer);
        this.backoffTimer = undefined;
        this.sizeRerun = true;
      }
      return true;
    }
    const error = result.error ?? new Error('export failed');
    const fields = error as ExportErrorFields;
    if (fields.status === 413) return this.splitTooLarge(batch);
    this.recordFailure(error, fields);
    this.formedBatches.unshift(batch);
    this.formedCount += batch.length;
    if (kind !== 'shutdown') this.startBackoff(fields.retryAfterMs);
    return false;
  }

  /**
   * A 413 is not a failure: the batch is replaced by its halves, tried at once, first half first.
   * The floor: the pieces of one batch may be refused 2·⌈log2 n⌉ + 2 times in all, enough to find
   * two events too large alone; past it the endpoint refuses everything, and the rest of that batch
   * is dropped as invalid in bulk with one warning, instead of one request per event (2n − 1).
   */
  private splitTooLarge(batch: ExportableEvent[]): boolean {
    let family = this.splitFamilies.get(batch);
    if (family === undefined) {
      family = { refusals: 0, budget: 2 * Math.ceil(Math.log2(batch.length + 1)) + 2 };
      this.splitFamilies.set(batch, family);
    }
    if (++family.refusals > family.budget) return this.dropRefusedFamily(batch, family);
    if (batch.length === 1) {
      this.droppedInvalid++;
      diag.warn('ff-webhook-exporter: the endpoint answered 413 to a single event; dropped it');
      return true;
    }
    const middle = Math.ceil(batch.length / 2);
    const first = batch.slice(0, middle);
    const second = batch.slice(middle);
    assignBatchId(first);
    assignBatchId(second);
    this.splitFamilies.set(first, family);
    this.splitFamilies.set(second, family);
    this.formedBatches.unshift(first, second);
    this.formedCount += batch.length;
    return true;
  }

  private dropRefusedFamily(batch: ExportableEvent[], family: SplitFamily): boolean {
    let dropped = batch.length;
    for (let i = this.formedBatches.length - 1; i >= 0; i--) {
      const waiting = this.formedBatches[i]!;
      if (this.splitFamilies.get(waiting) !== family) continue;
      this.formedBatches.splice(i, 1);
      this.formedCount -= waiting.length;
      dropped += waiting.length;
    }
    this.droppedInvalid += dropped;
    diag.warn(
      `ff-webhook-exporter: the endpoint answered 413 ${family.refusals} times to the pieces of one batch; ` +
        `dropped its last ${dropped} event(s) as invalid (counted in stats().dropped.invalid)`,
    );
    return true;
  }

  private recordFailure(error: Error, fields: ExportErrorFields): void {
    this.failedExports++;
    const lastError: LastExportError = { message: String(error.message), at: new Date() };
    if (typeof fields.status === 'number') lastError.status = fields.status;
    if (typeof fields.code === 'string') lastError.code = fields.code;
    this.lastError = lastError;
    diag.warn(`ff-webhook-exporter: export failed, events kept for the next flush: ${lastError.message}`);
  }

  /** Exponential from 1 s, factor 2, full jitter, capped at flushInterval, and at least any Retry-After. */
  private startBackoff(retryAfterMs: unknown): void {
    this.failures++;
    const now = Date.now();
    const ceiling = Math.min(this.flushInterval, FIRST_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 30));
    // An endpoint cannot silence flushes for longer than the ceiling (nor past what a timer holds).
    const asked = typeof retryAfterMs === 'number' && retryAfterMs > 0 ? retryAfterMs : 0;
    const retryAfter = asked <= MAX_RETRY_AFTER_MS ? asked : 0;
    this.backoffUntil = now + Math.max(Math.random() * ceiling, retryAfter);
    this.retryAfterUntil = now + retryAfter;
  }

  /** Rule 8: past `exportTimeout` (or the shutdown deadline) the export is aborted and counted failed. */
  private exportWithDeadline(batch: ExportableEvent[]): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => {
      const controller = new AbortController();
      const stopSignal = this.stopController.signal;
      let settled = false;
      const settle = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        stopSignal.removeEventListener('abort', onStop);
        resolve(result);
      };
      const abortWith = (result: ExportResult): void => {
        controller.abort(result.error);
        settle(result);
      };
      const onStop = (): void => abortWith(failed('export aborted at the shutdown deadline', 'ESHUTDOWN'));
      const timer = setTimeout(
        () => abortWith(failed(`export timed out after ${this.exportTimeout} ms`, 'ETIMEDOUT')),
        this.exportTimeout,
      );
      timer.unref();
      if (stopSignal.aborted) return onStop();
      stopSignal.addEventListener('abort', onStop);
      try {
        this.exporter.export(batch, settle, { signal: controller.signal });
      } catch (error) {
        settle({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    });
  }
}
