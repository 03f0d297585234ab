import { nextSlice } from '../slice-turns.js';
import { EventEncoder } from '../event-encoder.js';
import { EventQueue } from '../event-queue.js';
import type { ExportableEvent } from '../events.js';
import { Batch, type SplitFamily } from './batch.js';
import { FIRST_SLICE_MS, SLICE_MS, fillSlice } from './fill-slice.js';
import { recoveredBatches, type RecoveredGroup } from './recovered-batches.js';
import type { Spool } from '../spool/spool.js';
import type { Counters } from './counters.js';
import { processorLog } from './log.js';

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
  /**
   * The running flush covers the events added before this queue seq. Read at
   * each formation, never passed in: a formation ahead that began in one pass
   * and goes on into the next must judge "beyond" by the pass it is in now.
   */
  private passUntil = 0;
  private overflowWarned = false;
  /** Spool seq of the queue's seq 0: every event added is appended to the spool in the same order. */
  private readonly seqBase: number;

  constructor(
    private readonly limits: BatchLimits,
    private readonly counters: Counters,
    private readonly spool?: Spool,
  ) {
    this.seqBase = spool?.nextSeq ?? 0;
  }

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
    this.spool?.append(event);
    this.queue.push(event);
    if (this.queue.length + this.formedCount + this.inFlight > this.limits.maxBufferedEvents) this.dropOldest();
  }

  /** The next batch to send, formed now if none waits; undefined when this flush has nothing more. */
  next(): Batch | undefined | Promise<Batch | undefined> {
    if (this.formed.length === 0) this.form(this.passUntil, false);
    const head = this.formed[0];
    if (head === undefined) return undefined;
    if (head.filling) return this.forming!.then(() => this.next());
    if (head.forNextPass) return undefined;
    this.formed.shift();
    this.formedCount -= head.length;
    return head;
  }

  /**
   * Forms the next batch while one is in flight, so it can go out the moment
   * the wire is free (still one export at a time). Past this flush's events,
   * only a full batch is worth forming. Gives the batch waiting `depth`-th, once formed
   * (one formation at a time: undefined while an earlier one is still filling).
   */
  formAhead(depth = 1): Batch | undefined | Promise<Batch | undefined> {
    const waiting = this.formed[depth - 1];
    if (waiting !== undefined) return waiting.filling ? this.forming : waiting;
    if (this.forming !== undefined) return undefined;
    const beyond = this.queue.headSeq >= this.passUntil;
    if (beyond && this.queue.length < this.limits.maxBatchSize) return undefined;
    return this.form(beyond ? Infinity : this.passUntil, beyond);
  }

  /** Whether `batch` is still the first in line (nothing came back before it). */
  isNext(batch: Batch): boolean {
    return this.formed[0] === batch;
  }

  /** A new flush covers every batch formed so far and every event added before `untilSeq`. */
  startPass(untilSeq: number): void {
    this.passUntil = untilSeq;
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
      this.release(batch);
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

  /** The batch is done (delivered or dropped): a spool forgets its events. */
  release(batch: Batch): void {
    this.spool?.release(batch.seqs);
  }

  /** Takes what a spool recovered at start, ahead of every new event (see `recoveredBatches`). */
  adoptRecovered(recovered: readonly RecoveredGroup[]): void {
    const { batches, invalid } = recoveredBatches(recovered, this.limits);
    for (const batch of batches) {
      this.formed.push(batch);
      this.formedCount += batch.length;
    }
    this.counters.invalid += invalid.length;
    this.spool?.release(invalid);
  }

  /** The spool passed maxBytes: drops, as overflow, every pending event with a seq below `belowSeq`. */
  dropBelow(belowSeq: number): void {
    let dropped = 0;
    for (let i = 0; i < this.formed.length; ) {
      const batch = this.formed[i]!;
      const seqs = batch.seqs;
      const below = seqs.findIndex((seq) => seq >= belowSeq);
      const count = below < 0 ? seqs.length : below;
      if (count === 0 || batch.filling) {
        i++;
        continue;
      }
      if (count === batch.length || batch.sent || batch.spooled) {
        this.formed.splice(i, 1);
        this.formedCount -= batch.length;
        dropped += batch.length;
        this.spool?.release(seqs);
      } else {
        this.spool?.release(batch.trimFront(count));
        this.formedCount -= count;
        dropped += count;
        i++;
      }
    }
    while (this.queue.length > 0 && this.seqBase + this.queue.headSeq < belowSeq) {
      this.spool?.release([this.seqBase + this.queue.headSeq]);
      this.queue.shift();
      dropped++;
    }
    if (dropped > 0) this.countOverflow(dropped, 'the spool passed maxBytes');
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
      this.release(waiting);
    }
    this.release(batch);
    this.counters.invalid += dropped;
    processorLog.warn(
      `the endpoint answered 413 ${family.refusals} times to the pieces of one batch; ` +
        `dropped its last ${dropped} event(s) as invalid (counted in stats().dropped.invalid)`,
    );
  }

  /**
   * Past the cap: drops the oldest pending events; a batch already sent goes whole, one never sent
   * is trimmed, one still being formed is passed over (its events are on their way out).
   */
  private dropOldest(): void {
    let dropped = 0;
    let i = 0;
    let excess = this.queue.length + this.formedCount + this.inFlight - this.limits.maxBufferedEvents;
    while (excess > 0) {
      const batch = this.formed[i];
      let gone: number;
      if (batch === undefined) {
        if (this.queue.length === 0) break;
        if (this.spool) this.spool.release([this.seqBase + this.queue.headSeq]);
        this.queue.shift();
        gone = 1;
      } else if (batch.filling) {
        // Trimmed while adds outrun its formation, it would never fill (nothing sent) and would
        // keep what was trimmed in its arrays: the queue behind it gives the excess instead.
        i++;
        continue;
      } else if (batch.length === 0 || !(batch.sent || batch.spooled)) {
        // Never sent, so no receiver knows it: trim it to exactly the excess (O(1), no copy).
        gone = Math.min(excess, batch.length);
        const trimmed = batch.trimFront(gone);
        if (this.spool) this.spool.release(trimmed);
        if (batch.length > 0) i++;
        else this.formed.splice(i, 1);
      } else {
        gone = batch.length;
        this.formed.splice(i, 1);
        this.release(batch);
      }
      if (batch !== undefined) this.formedCount -= gone;
      dropped += gone;
      excess -= gone;
    }
    this.countOverflow(dropped, `more than ${this.limits.maxBufferedEvents} events buffered while the endpoint fails`);
  }

  private countOverflow(dropped: number, why: string): void {
    this.counters.overflow += dropped;
    if (!this.overflowWarned) {
      this.overflowWarned = true;
      processorLog.warn(`${why}; dropping the oldest (counted in stats().dropped.overflow)`);
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
    if (this.fill(batch, untilSeq, encoder, FIRST_SLICE_MS)) return this.finish(batch);
    this.forming = (async () => {
      do await nextSlice();
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
  private fill(batch: Batch, untilSeq: number, encoder: EventEncoder, budgetMs = SLICE_MS): boolean {
    const source = { queue: this.queue, untilSeq, seqBase: this.seqBase, spool: this.spool };
    const slice = fillSlice(batch, source, encoder, this.limits, budgetMs);
    this.formedCount += slice.added;
    if (slice.invalid > 0) {
      this.counters.invalid += slice.invalid;
      processorLog.warn(`dropped ${slice.invalid} invalid event(s): ${slice.problem}`);
    }
    return slice.complete;
  }
}
