import { ExportResultCode } from '@opentelemetry/core';
import type { ExportableEvent } from './events.js';
import type { EventExporter } from './exporter.js';
import type { Batch } from './processor/batch.js';
import { newCounters, snapshot, type Counters, type ProcessorStats } from './processor/counters.js';
import { exportOperation } from './processor/export-operation.js';
import { FlushSchedule } from './processor/flush-schedule.js';
import { alert, processorLog } from './processor/log.js';
import { checkExporter, resolveProcessorOptions, type BatchProcessorOptions, type ResolvedProcessorOptions } from './processor/options.js';
import { PendingBatches } from './processor/pending-batches.js';
import { SelfMetrics, exportErrorType } from './self-metrics.js';

export type { BatchProcessorOptions } from './processor/options.js';
export type { ProcessorStats, LastExportError } from './processor/counters.js';

type FlushKind = 'timer' | 'size' | 'force' | 'shutdown';

/** Fields an exporter's error may carry (SPEC §3). */
interface ExportErrorFields {
  status?: unknown;
  code?: unknown;
  retryAfterMs?: unknown;
}

/** Keeps the process alive while forceFlush() or shutdown() is awaited; never fires. */
const HOLD_INTERVAL_MS = 2 ** 30;

/**
 * Keeps events in memory and hands them to an exporter in batches, as GO
 * Feature Flag's data exporter does: every `flushInterval`, when
 * `maxEventInMemory` events are pending, on `forceFlush()` and on
 * `shutdown()`. Memory stays bounded while the endpoint fails and every event
 * is accounted for (SPEC §4). Each batch is a value with its own id and its
 * bytes, encoded once when it is formed; flushes run one after another, so at
 * most one export is in flight.
 */
export class BatchProcessor {
  private readonly options: ResolvedProcessorOptions;
  private readonly counters: Counters = newCounters();
  private readonly pending: PendingBatches;
  private readonly schedule: FlushSchedule;
  private readonly metrics: SelfMetrics;

  private flushChain: Promise<void> = Promise.resolve();
  private flushesQueued = 0;
  private sizeCheckScheduled = false;
  /** A size trigger came while a flush ran: look again when it ends. */
  private sizeRerun = false;
  /** Where the running flush stops taking events (it never chases new ones). */
  private flushUntilSeq = 0;
  private queuedForce: Promise<void> | undefined;
  private holds = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private outageAlerted = false;

  private stopping = false;
  private shutdownPromise: Promise<void> | undefined;
  /** Aborted at the shutdown deadline: ends whatever export is in flight then. */
  private readonly stopController = new AbortController();

  constructor(
    private readonly exporter: EventExporter<ExportableEvent>,
    options: BatchProcessorOptions = {},
  ) {
    checkExporter(exporter);
    this.options = resolveProcessorOptions(options ?? {});
    const meterProvider = options?.meterProvider;
    this.pending = new PendingBatches(this.options, this.counters);
    this.schedule = new FlushSchedule(
      this.options.flushInterval,
      () => this.requestFlush('timer'),
      () => this.onSizeReached(),
    );
    this.metrics = new SelfMetrics(() => this.stats(), this.options.maxBufferedEvents, meterProvider ? { meterProvider } : {});
  }

  /** Accepts one event: synchronous, O(1), never throws, never does I/O. */
  add(event: ExportableEvent): void {
    this.counters.accepted++;
    if (this.stopping) {
      this.counters.shutdown++;
      return;
    }
    this.pending.push(event);
    if (!this.sizeCheckScheduled && this.pending.pending >= this.options.maxEventInMemory) {
      this.sizeCheckScheduled = true;
      // After the caller's synchronous work: add() itself never encodes or sends.
      queueMicrotask(() => this.onSizeReached());
    }
  }

  /** Resolves, never rejects, once every event accepted before the call was tried. */
  forceFlush(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise;
    // A forced flush that has not begun yet will cover this call's events too.
    if (this.queuedForce) return this.queuedForce;
    const release = this.holdProcess();
    const done = this.enqueueFlush('force').then(() => this.exporterStep('forceFlush', this.options.exportTimeout));
    this.queuedForce = done;
    return done.finally(release);
  }

  /** Flushes once within `exportTimeout`, then shuts the exporter down. Idempotent, never rejects. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.runShutdown();
    return this.shutdownPromise;
  }

  stats(): ProcessorStats {
    return snapshot(this.counters, this.pending.pending, this.pending.inFlight);
  }

  private async runShutdown(): Promise<void> {
    this.stopping = true;
    this.schedule.stop();
    const release = this.holdProcess();
    const deadline = setTimeout(() => this.stopController.abort(), this.options.exportTimeout);
    try {
      await this.enqueueFlush('shutdown');
      const undelivered = this.pending.clear();
      this.counters.shutdown += undelivered;
      if (undelivered > 0) alert(`shutdown dropped ${undelivered} undelivered events (counted in stats().dropped.shutdown)`);
      await this.exporterStep('shutdown', this.stopController.signal);
    } finally {
      clearTimeout(deadline);
      this.metrics.dispose();
      release();
    }
  }

  /**
   * Runs the exporter's own forceFlush or shutdown, waited for until `bound` aborts or for `bound`
   * ms at most (a user exporter may never settle); never rejects.
   */
  private exporterStep(name: 'forceFlush' | 'shutdown', bound: AbortSignal | number): Promise<void> {
    let running: Promise<void> | undefined;
    try {
      running = name === 'shutdown' ? this.exporter.shutdown() : this.exporter.forceFlush?.();
    } catch (error) {
      running = Promise.reject(error);
    }
    if (running === undefined) return Promise.resolve();
    const settled = Promise.resolve(running).catch((error: unknown) => {
      processorLog.warn(`exporter ${name} failed: ${(error as Error)?.message}`);
    });
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = typeof bound === 'number' ? undefined : bound;
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        processorLog.warn(`exporter ${name} did not settle in time; not waiting for it`);
        finish();
      };
      if (typeof bound === 'number') {
        timer = setTimeout(onAbort, bound);
        timer.unref();
      } else if (bound.aborted) {
        return onAbort();
      } else {
        bound.addEventListener('abort', onAbort, { once: true });
      }
      void settled.then(finish);
    });
  }

  /** While a forceFlush() or shutdown() is awaited, a ref'd timer keeps the process alive (rule 9). */
  private holdProcess(): () => void {
    if (this.holds++ === 0) this.holdTimer = setInterval(() => undefined, HOLD_INTERVAL_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0) clearInterval(this.holdTimer);
    };
  }

  private onSizeReached(): void {
    this.sizeCheckScheduled = false;
    if (this.pending.pending >= this.options.maxEventInMemory) this.requestFlush('size');
  }

  /** A timed or size-triggered flush; forced ones go straight to enqueueFlush. */
  private requestFlush(kind: 'timer' | 'size'): void {
    if (this.stopping) return;
    if (this.flushesQueued > 0) {
      // Like Go's ticker, a tick during a flush is dropped; a size trigger is looked at again after it,
      // and meanwhile the next batch is formed ahead.
      if (kind === 'size') {
        this.sizeRerun = true;
        this.sizeCheckScheduled = true;
        this.formAhead();
      }
      return;
    }
    if (!this.schedule.allows(kind)) {
      if (kind === 'size') this.sizeCheckScheduled = true;
      return;
    }
    void this.enqueueFlush(kind);
  }

  /** Flushes run one after another: at most one export is ever in flight (rule 2). */
  private enqueueFlush(kind: FlushKind): Promise<void> {
    this.flushesQueued++;
    const flush = this.flushChain.then(async () => {
      if (kind === 'force') this.queuedForce = undefined;
      try {
        await this.runFlush(kind);
      } catch (error) {
        processorLog.error(`flush failed unexpectedly: ${(error as Error)?.message}`);
      }
      if (--this.flushesQueued === 0 && this.sizeRerun) {
        this.sizeRerun = false;
        this.onSizeReached();
      }
    });
    this.flushChain = flush;
    return flush;
  }

  /** Sends every pending batch in order, stopping at the first failure (rule 3). */
  private async runFlush(kind: FlushKind): Promise<void> {
    // Events added while this flush runs wait for the next one, so a flush always ends.
    const untilSeq = this.pending.tailSeq;
    this.flushUntilSeq = untilSeq;
    this.pending.startPass();
    while (!this.stopController.signal.aborted) {
      const next = this.pending.next(untilSeq);
      const batch = next instanceof Promise ? await next : next;
      if (batch === undefined) return;
      const sent = this.send(batch, kind);
      this.formAhead();
      if (!(await sent)) return;
    }
  }

  /**
   * While one batch is in flight, forms (and so encodes) the next, so it can
   * go out the moment the wire is free; an exporter with `prepare` sees it on
   * a later turn, after the current request is written. Nothing is formed
   * ahead while the endpoint fails: it would gain nothing and churn memory.
   */
  private formAhead(): void {
    if (this.schedule.failing || this.stopping) return;
    const ahead = this.pending.formAhead(this.flushUntilSeq);
    if (ahead === undefined || typeof this.exporter.prepare !== 'function') return;
    if (ahead instanceof Promise) void ahead.then((batch) => batch && this.prepareSoon(batch));
    else this.prepareSoon(ahead);
  }

  /** Lets the exporter see the batch on a later turn of the event loop, if it is still next in line then. */
  private prepareSoon(batch: Batch): void {
    if (batch.prepared) return;
    batch.prepared = true;
    setImmediate(() => {
      // Not next in line any more (a failed batch came back first), or trimmed into a new batch.
      if (!this.pending.isNext(batch) || !batch.prepared || this.schedule.failing) {
        batch.prepared = false;
        return;
      }
      try {
        this.exporter.prepare?.(batch.eventsForExport());
      } catch (error) {
        processorLog.debug(`exporter prepare failed: ${(error as Error)?.message}`);
      }
    }).unref();
  }

  /** Exports one batch; true when the flush may go on. */
  private async send(batch: Batch, kind: FlushKind): Promise<boolean> {
    this.pending.inFlight = batch.length;
    batch.sent = true;
    const started = performance.now();
    const result = await exportOperation(this.exporter, batch, this.options.exportTimeout, this.stopController.signal);
    this.pending.inFlight = 0;
    if (result.code === ExportResultCode.SUCCESS) {
      this.metrics.recordExport(performance.now() - started);
      this.counters.delivered += batch.length;
      this.pending.endOutage();
      this.outageAlerted = false;
      // A size trigger held by the old backoff is looked at again when this flush ends.
      if (this.schedule.succeeded()) this.sizeRerun = true;
      return true;
    }
    const error = result.error ?? new Error('export failed');
    const fields = error as ExportErrorFields;
    this.metrics.recordExport(performance.now() - started, exportErrorType(error));
    if (fields.status === 413) {
      this.pending.splitTooLarge(batch);
      return true;
    }
    this.recordFailure(error, fields);
    this.pending.putBack(batch);
    if (kind !== 'shutdown') this.schedule.failed(fields.retryAfterMs);
    return false;
  }

  private recordFailure(error: Error, fields: ExportErrorFields): void {
    this.counters.failedExports++;
    const message = String(error.message);
    this.counters.lastError = { message, at: new Date() };
    if (typeof fields.status === 'number') this.counters.lastError.status = fields.status;
    if (typeof fields.code === 'string') this.counters.lastError.code = fields.code;
    const line = `export failed, events kept for the next flush: ${message}`;
    if (this.outageAlerted) processorLog.warn(line);
    else alert(line);
    this.outageAlerted = true;
  }
}
