import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EventEncoder } from '../event-encoder.js';
import { EventQueue } from '../event-queue.js';
import type { ExportableEvent } from '../events.js';
import { Batch, type SplitFamily } from './batch.js';
import type { Counters } from './counters.js';
import { processorLog } from './log.js';

/** How long one slice of a batch's formation may hold the event loop before it yields. */
const SLICE_MS = 4;
/** Events encoded between two looks at the clock. */
const CLOCK_EVERY = 128;

export interface BatchLimits {
  maxBatchSize: number;
  maxBatchBytes: number;
  maxBufferedEvents: number;
}

/**
 * Every event not yet delivered or dropped, oldest first: formed batches
 * (failed ones waiting for their next attempt, 413 halves, the one formed
 * ahead) and then the queue of events not in a batch yet. It forms batches,
 * encoding each event once, in slices that each hold the event loop at most
 * about SLICE_MS; it keeps pending + in-flight under the cap (SPEC §4 rule 4).
 */
export class PendingBatches {
  private readonly queue = new EventQueue<ExportableEvent>();
  /** Formed batches, oldest first, ahead of the queue. */
  private readonly formed: Batch[] = [];
  private formedCount = 0;
  /** Events of the batch being exported. */
  inFlight = 0;
  private forming: Promise<Batch | undefined> | undefined;
  private overflowWarned = false;

  constructor(
    private readonly limits: BatchLimits,
    private readonly counters: Counters,
  ) {}

  /** Events waiting: in formed batches and in the queue. */
  get pending(): number {
    return this.queue.length + this.formedCount;
  }

  /** Sequence number the next added event gets: a flush covers the events added before it began. */
  get tailSeq(): number {
    return this.queue.tailSeq;
  }

  /** O(1): the event joins the queue; past the cap the oldest pending events go. */
  push(event: ExportableEvent): void {
    this.queue.push(event);
    if (this.queue.length + this.formedCount + this.inFlight > this.limits.maxBufferedEvents) this.dropOldest();
  }

  /** The next batch to send, formed now if none waits; undefined when this flush has nothing more. */
  next(untilSeq: number): Batch | undefined | Promise<Batch | undefined> {
    if (this.formed.length === 0) this.form(untilSeq, false);
    const head = this.formed[0];
    if (head === undefined) return undefined;
    if (head.filling) return this.forming!.then(() => this.next(untilSeq));
    if (head.forNextPass) return undefined;
    this.formed.shift();
    this.formedCount -= head.length;
    return head;
  }

  /**
   * Forms the next batch while one is in flight, so it can go out the moment
   * the wire is free (still one export at a time). Past this flush's events,
   * only a full batch is worth forming. Gives the batch waiting first, once formed.
   */
  formAhead(untilSeq: number): Batch | undefined | Promise<Batch | undefined> {
    const head = this.formed[0];
    if (head !== undefined) return head.filling ? this.forming : head;
    const beyond = this.queue.headSeq >= untilSeq;
    if (beyond && this.queue.length < this.limits.maxBatchSize) return undefined;
    return this.form(beyond ? Infinity : untilSeq, beyond);
  }

  /** Whether `batch` is still the first in line (nothing came back before it). */
  isNext(batch: Batch): boolean {
    return this.formed[0] === batch;
  }

  /** A new flush covers every batch formed so far. */
  startPass(): void {
    for (const batch of this.formed) batch.forNextPass = false;
  }

  /** A failed batch goes back to the front as that same batch (SPEC §4 rule 3). */
  putBack(batch: Batch): void {
    this.formed.unshift(batch);
    this.formedCount += batch.length;
  }

  /**
   * A 413 is not a failure: the batch is replaced by its halves, tried at once, first half first.
   * The pieces of one batch may be refused 2·⌈log2 n⌉ + 2 times in all, enough to find two events
   * too large alone; past that floor the rest of the family is dropped as invalid in bulk.
   */
  splitTooLarge(batch: Batch): void {
    const family: SplitFamily = batch.family ?? { refusals: 0, budget: 2 * Math.ceil(Math.log2(batch.length + 1)) + 2 };
    if (++family.refusals > family.budget) return this.dropFamily(batch, family);
    if (batch.length === 1) {
      this.counters.invalid++;
      processorLog.warn('the endpoint answered 413 to a single event; dropped it');
      return;
    }
    const [first, second] = batch.halves(family);
    this.formed.unshift(first, second);
    this.formedCount += batch.length;
  }

  /** Drops everything still pending (at shutdown); returns how many events that was. */
  clear(): number {
    const dropped = this.pending;
    this.queue.clear();
    for (const batch of this.formed) batch.trimFront(batch.length);
    this.formed.length = 0;
    this.formedCount = 0;
    return dropped;
  }

  /** The endpoint took a batch: the next overflow is a new outage, warned about again. */
  endOutage(): void {
    this.overflowWarned = false;
  }

  private dropFamily(batch: Batch, family: SplitFamily): void {
    let dropped = batch.length;
    for (let i = this.formed.length - 1; i >= 0; i--) {
      const waiting = this.formed[i]!;
      if (waiting.family !== family) continue;
      this.formed.splice(i, 1);
      this.formedCount -= waiting.length;
      dropped += waiting.length;
    }
    this.counters.invalid += dropped;
    processorLog.warn(
      `the endpoint answered 413 ${family.refusals} times to the pieces of one batch; ` +
        `dropped its last ${dropped} event(s) as invalid (counted in stats().dropped.invalid)`,
    );
  }

  /** Past the cap: drops the oldest pending events; a batch already sent goes whole, one never sent is trimmed. */
  private dropOldest(): void {
    let dropped = 0;
    let i = 0;
    let excess = this.queue.length + this.formedCount + this.inFlight - this.limits.maxBufferedEvents;
    while (excess > 0) {
      const batch = this.formed[i];
      let gone: number;
      if (batch === undefined) {
        this.queue.shift();
        gone = 1;
      } else if (batch.length === 0 || !batch.sent) {
        // Never sent, so no receiver knows it: trim it to exactly the excess (O(1), no copy).
        gone = Math.min(excess, batch.length);
        batch.trimFront(gone);
        if (batch.length > 0 || batch.filling) i++;
        else this.formed.splice(i, 1);
      } else {
        gone = batch.length;
        this.formed.splice(i, 1);
      }
      if (batch !== undefined) this.formedCount -= gone;
      dropped += gone;
      excess -= gone;
    }
    this.counters.overflow += dropped;
    if (!this.overflowWarned) {
      this.overflowWarned = true;
      processorLog.warn(
        `more than ${this.limits.maxBufferedEvents} events buffered while the endpoint fails; ` +
          'dropping the oldest (counted in stats().dropped.overflow)',
      );
    }
  }

  /**
   * Forms a batch from the queue's events added before `untilSeq`, encoding each once: synchronously
   * when that fits in one slice, else slice by slice with the event loop free in between.
   */
  private form(untilSeq: number, forNextPass: boolean): Batch | undefined | Promise<Batch | undefined> {
    if (this.forming !== undefined) return this.forming;
    const batch = new Batch();
    batch.forNextPass = forNextPass;
    this.formed.push(batch);
    const encoder = new EventEncoder();
    if (this.fill(batch, untilSeq, encoder)) return this.finish(batch);
    this.forming = (async () => {
      do await nextTurn();
      while (!this.fill(batch, untilSeq, encoder));
      this.forming = undefined;
      return this.finish(batch);
    })();
    return this.forming;
  }

  /** Marks a formation done; an empty batch is no batch. */
  private finish(batch: Batch): Batch | undefined {
    batch.filling = false;
    if (batch.length > 0) return batch;
    const at = this.formed.indexOf(batch);
    if (at >= 0) this.formed.splice(at, 1);
    return undefined;
  }

  /** One slice of a formation; true when the batch is complete. */
  private fill(batch: Batch, untilSeq: number, encoder: EventEncoder): boolean {
    const { maxBatchSize, maxBatchBytes } = this.limits;
    const deadline = performance.now() + SLICE_MS;
    const events: ExportableEvent[] = [];
    const texts: string[] = [];
    const sizes: number[] = [];
    let count = batch.length;
    let bytes = batch.byteLength;
    let invalid = 0;
    let firstProblem: string | undefined;
    let complete = false;
    for (let seen = 1; ; seen++) {
      if (count >= maxBatchSize || this.queue.length === 0 || this.queue.headSeq >= untilSeq) {
        complete = true;
        break;
      }
      const event = this.queue.peek()!;
      const text = encoder.encode(event);
      const size = text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
      if (text === undefined || size > maxBatchBytes) {
        // Rule 5: dropped alone and counted; its neighbours go on.
        this.queue.shift();
        invalid++;
        firstProblem ??= text === undefined ? encoder.problem : `one event is ${size} bytes, over maxBatchBytes (${maxBatchBytes})`;
        continue;
      }
      if (count > 0 && bytes + 1 + size > maxBatchBytes) {
        complete = true;
        break;
      }
      this.queue.shift();
      events.push(event);
      texts.push(text);
      sizes.push(size);
      bytes += (count > 0 ? 1 : 0) + size;
      count++;
      if (seen % CLOCK_EVERY === 0 && performance.now() > deadline) break;
    }
    batch.append(events, texts, sizes);
    this.formedCount += events.length;
    if (invalid > 0) {
      this.counters.invalid += invalid;
      processorLog.warn(`dropped ${invalid} invalid event(s): ${firstProblem}`);
    }
    return complete;
  }
}
