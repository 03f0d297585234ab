import { ExportResultCode } from '@opentelemetry/core';
import type { ExportableEvent } from './events.js';
import type { EventExporter } from './exporter.js';
import type { Batch } from './processor/batch.js';
import { newCounters, snapshot, type Counters, type ProcessorStats } from './processor/counters.js';
import { exportOperation } from './processor/export-operation.js';
import { exporterStep } from './processor/exporter-step.js';
import { FlushSchedule } from './processor/flush-schedule.js';
import { alert, processorLog } from './processor/log.js';
import { checkExporter, resolveProcessorOptions, type BatchProcessorOptions, type ResolvedProcessorOptions } from './processor/options.js';
import { PendingBatches } from './processor/pending-batches.js';
import { ProcessHold } from './processor/process-hold.js';
import { SelfMetrics, exportErrorType } from './self-metrics.js';
import { nextSlice } from './slice-turns.js';
import { Spool } from './spool/spool.js';
import { formAheadSpooled, spoolFormed } from './processor/spool-ahead.js';

export type { BatchProcessorOptions } from './processor/options.js';
export type { ProcessorStats, LastExportError } from './processor/counters.js';

type FlushKind = 'timer' | 'size' | 'force' | 'shutdown';

/** Fields an exporter's error may carry (SPEC §3). */
interface ExportErrorFields {
  status?: unknown;
  code?: unknown;
  retryAfterMs?: unknown;
}

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
  private readonly spool: Spool | undefined;

  private flushChain: Promise<void> = Promise.resolve();
  private flushesQueued = 0;
  private sizeCheckScheduled = false;
  /** A size trigger came while a flush ran: look again when it ends. */
  private sizeRerun = false;
  /** A forceFlush waiting behind the running flush: later calls share it. */
  private queuedForce: Promise<void> | undefined;
  private readonly hold = new ProcessHold();
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
    this.spool = options?.spool === undefined ? undefined : Spool.open(options.spool);
    // Batches are cut from the bytes a commit wrote, when it ran first: each event is encoded once.
    if (this.spool !== undefined) this.spool.retainEncoded = true;
    this.pending = new PendingBatches(this.options, this.counters, this.spool);
    if (this.spool !== undefined) this.adoptSpool(this.spool);
    this.schedule = new FlushSchedule(
      this.options.flushInterval,
      () => this.requestFlush('timer'),
      () => this.onSizeReached(),
    );
    this.metrics = new SelfMetrics(() => this.stats(), this.options.maxBufferedEvents, meterProvider ? { meterProvider } : {});
  }

  /** What the previous process left in the spool goes first, counted once (SPEC §10, §4 rule 6). */
  private adoptSpool(spool: Spool): void {
    this.counters.accepted = spool.recoveredAccepted;
    this.counters.invalid = spool.recoveredInvalid;
    this.counters.corrupt = spool.corrupt;
    this.pending.adoptRecovered(spool.recovered);
    spool.onOverflow = (belowSeq) => this.pending.dropBelow(belowSeq);
    if (this.pending.pending > 0) queueMicrotask(() => this.requestFlush('size'));
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
    const release = this.hold.acquire();
    const done = this.enqueueFlush('force').then(() => exporterStep(this.exporter, 'forceFlush', this.options.exportTimeout));
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
    const release = this.hold.acquire();
    const deadline = setTimeout(() => this.stopController.abort(), this.options.exportTimeout);
    try {
      await this.enqueueFlush('shutdown');
      const undelivered = this.pending.clear();
      this.counters.shutdown += undelivered;
      if (undelivered > 0) alert(`shutdown dropped ${undelivered} undelivered events (counted in stats().dropped.shutdown)`);
      await exporterStep(this.exporter, 'shutdown', this.stopController.signal);
      // What was not delivered stays in the spool, for the next start.
      await this.spool?.close();
    } finally {
      clearTimeout(deadline);
      this.metrics.dispose();
      release();
    }
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
    this.pending.startPass(this.pending.tailSeq);
    while (!this.stopController.signal.aborted) {
      const next = this.pending.next();
      const batch = next instanceof Promise ? await next : next;
      if (batch === undefined) return;
      const sent = this.send(batch, kind);
      // On a later turn, as a slice of its own: formed now, it would delay this batch's request.
      void nextSlice()
        .then(() => this.formAhead())
        .catch((error: unknown) => processorLog.error(`forming the next batch failed: ${(error as Error)?.message}`));
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
    const ahead =
      this.spool === undefined
        ? this.pending.formAhead()
        : formAheadSpooled(this.pending, this.spool, () => this.stopping);
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
    if (this.spool !== undefined) {
      // Its id must be on disk before a receiver can see it, or a crash would replay it under a new one.
      spoolFormed(this.spool, batch);
      await batch.durable;
    }
    const started = performance.now();
    const result = await exportOperation(this.exporter, batch, this.options.exportTimeout, this.stopController.signal);
    this.pending.inFlight = 0;
    if (result.code === ExportResultCode.SUCCESS) {
      this.metrics.recordExport(performance.now() - started);
      this.counters.delivered += batch.length;
      this.pending.release(batch);
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
