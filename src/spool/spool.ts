import type { ExportableEvent } from '../events.js';
import type { EncodedEvents } from '../exporter.js';
import { encodeCommit } from './commit-encoder.js';
import { FormedRecords } from './formed-records.js';
import type { CommitMark } from './commit-mark.js';
import type { DirectoryLock } from './directory-lock.js';
import { openSpoolDirectory, spoolLog } from './open-spool.js';
import type { RecoveredBatch } from './recovery.js';
import { RetainedJson } from './retained-json.js';
import { UnwrittenEvents } from './unwritten-events.js';
import type { SegmentLog } from './segment-log.js';
import { SeqRangeSet, pushRun, runsOf, type SeqRuns } from './seq-runs.js';
import { WriteHealth } from './write-health.js';
import type { SpoolStats } from './spool-stats.js';
import { resolveSpoolOptions, type ResolvedSpoolOptions, type SpoolOptions } from './spool-options.js';

export type { RecoveredBatch } from './recovery.js';
export type { SpoolOptions } from './spool-options.js';
export type { SpoolWriteError } from './write-health.js';
export type { SpoolStats } from './spool-stats.js';

/** Events one commit step encodes and syncs at most (about 2 MB of JSON, a few ms of work). */
export const COMMIT_EVENTS = 8192;

/**
 * A durable spool (SPEC §10): every event appended is written, in group
 * commits off the hot path, to append-only segment files with a checksum
 * per record, together with the ids of the batches formed from them and
 * their releases, so a restart replays what the previous process did not
 * deliver, formed batches under their original ids.
 *
 * Events are numbered by seq in `append()` order, across restarts; batches
 * and releases name events by seq.
 */
export class Spool {
  /** What the previous process did not deliver, in `append()` order; formed batches carry their id. */
  readonly recovered: readonly RecoveredBatch[];
  /** Events lost to torn or damaged records found at open (→ `stats().dropped.corrupt`). */
  readonly corrupt: number;
  /** Pending events found stored as invalid at open (→ `stats().dropped.invalid`); released already. */
  readonly recoveredInvalid: number;
  /**
   * What a processor starts `accepted` at so SPEC §4 rule 6 holds from its
   * first moment: the recovered events (pending), `recoveredInvalid`
   * (dropped.invalid) and `corrupt` (dropped.corrupt). Each restart counts
   * what it replays once; what a previous process counted stays its own.
   */
  readonly recoveredAccepted: number;
  /** Called after a commit leaves the files above `maxBytes`: drop (and release) every event below `belowSeq`. */
  onOverflow?: (belowSeq: number) => void;
  /**
   * Keep the JSON each commit writes until its events are released, so
   * `encodedOf()` can give a batch's body without serializing it again. Costs
   * about the JSON size of the unreleased events, outside the JS heap.
   */
  retainEncoded = false;

  private nextSeqValue: number;
  private durableSeqValue: number;
  private readonly unwritten: UnwrittenEvents;
  private readonly pendingFormed = new FormedRecords();
  private pendingReleases: SeqRuns = [];
  private readonly released: SeqRangeSet;
  private readonly retained = new RetainedJson();

  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private closed = false;

  private readonly health: WriteHealth;

  private constructor(
    private readonly options: ResolvedSpoolOptions,
    private readonly lock: DirectoryLock,
    private readonly log: SegmentLog,
    private readonly mark: CommitMark,
    recovery: ReturnType<typeof openSpoolDirectory>['recovery'],
  ) {
    this.recovered = recovery.batches;
    this.corrupt = recovery.corrupt;
    this.recoveredInvalid = recovery.invalid;
    const replayed = recovery.batches.reduce((sum, batch) => sum + batch.events.length, 0);
    this.recoveredAccepted = replayed + recovery.invalid + recovery.corrupt;
    this.released = recovery.released;
    this.nextSeqValue = recovery.nextSeq;
    this.durableSeqValue = recovery.nextSeq;
    this.unwritten = new UnwrittenEvents(recovery.nextSeq);
    this.health = new WriteHealth(options.directory, options.syncEvery);
    this.timer = setInterval(() => this.tick(), options.syncEvery);
    this.timer.unref();
    spoolLog.debug(`opened ${options.directory}: ${replayed} event(s) to replay, next seq ${recovery.nextSeq}`);
  }

  /**
   * Opens (creating it if needed) and locks a spool directory, synchronously,
   * and reads back what it holds. Bad options throw a TypeError or RangeError
   * naming `spool.<option>`; a directory in use by another live process, or
   * one this process may not write, throws an Error naming it.
   */
  static open(options: SpoolOptions): Spool {
    const resolved = resolveSpoolOptions(options);
    const { lock, log, mark, recovery } = openSpoolDirectory(resolved);
    return new Spool(resolved, lock, log, mark, recovery);
  }

  /** The seq the next `append()` gets. */
  get nextSeq(): number {
    return this.nextSeqValue;
  }

  /** Every event with a lower seq is on disk (synced) or released, as of the last completed commit. */
  get durableSeq(): number {
    return this.durableSeqValue;
  }

  /** Bytes of the segment files, which `maxBytes` caps. */
  get diskBytes(): number {
    return this.log.diskBytes;
  }

  /**
   * Takes an event for the next group commit and returns its seq. O(1): no
   * I/O, no serialization (that happens at the commit). After `close()` the
   * event is not kept.
   */
  append(event: ExportableEvent): number {
    if (!this.closed) this.unwritten.push(event);
    return this.nextSeqValue++;
  }

  /**
   * Records that a batch of these events (seqs ascending) is about to be
   * handed to an exporter under `id`, its first attempt. A later `formed`
   * naming the same events replaces it (a 413's halves). The record must be
   * durable before the batch leaves, or a crash could replay the batch under
   * a new id: the promise resolves once a commit has written it (the next
   * `commit()` does, or the timer's), or has failed to, as `commit()` does.
   */
  formed(id: string, seqs: readonly number[]): Promise<void> {
    if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > 0xffff) {
      throw new TypeError('Spool.formed needs a batch id of 1 to 65535 bytes');
    }
    if (this.closed || seqs.length === 0) return Promise.resolve();
    return this.pendingFormed.add({ id, runs: runsOf(seqs) });
  }

  /** Marks events done, delivered or dropped for any reason: they are not replayed, and their segments can go. */
  release(seqs: readonly number[]): void {
    if (this.closed) return;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]!;
      // A seq not handed out yet would mark a future event released before it exists.
      if (seq < this.nextSeqValue) pushRun(this.pendingReleases, seq, seq + 1);
    }
  }

  /**
   * Writes and syncs everything appended, formed and released so far, in one
   * group commit. Never rejects: a write that fails (a full disk) is counted
   * in `stats()`, warned about once, and retried later with backoff, while
   * the events stay in memory. Concurrent calls share the next commit.
   */
  commit(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = undefined;
      return this.runCommit();
    });
    this.queued = next;
    this.chain = next;
    return next;
  }

  /**
   * The JSON array of these committed events (seqs ascending) as the exporter
   * sends it, cut from the bytes their commit wrote (see `retainEncoded`);
   * undefined when some are not kept: not committed yet, replayed from a
   * previous process, or invalid.
   */
  encodedOf(seqs: readonly number[]): EncodedEvents | undefined {
    return this.retainEncoded ? this.retained.encodedOf(seqs) : undefined;
  }

  /** Committed JSON of the events from `seq` on, when kept (see `RetainedJson.stretch`). */
  encodedStretch(seq: number, max: number): { json: Buffer; sizes: number[] } | undefined {
    return this.retainEncoded ? this.retained.stretch(seq, max) : undefined;
  }

  /** The spool's own counters: its files, what is not on disk yet, failed commits. */
  stats(): SpoolStats {
    let unpersisted = 0;
    this.released.forEachGap(this.durableSeqValue, this.nextSeqValue, (from, to) => (unpersisted += to - from));
    const stats: SpoolStats = {
      segments: this.log.segments.length,
      diskBytes: this.log.diskBytes,
      unpersisted,
      failedCommits: this.health.failedCommits,
    };
    const lastError = this.health.lastError;
    if (lastError) stats.lastError = lastError;
    return stats;
  }

  /** A final commit, then the files are closed and the lock released. Idempotent, never rejects. */
  close(): Promise<void> {
    this.closing ??= this.runClose();
    return this.closing;
  }

  private async runClose(): Promise<void> {
    clearInterval(this.timer);
    this.health.skipBackoff();
    await this.commit();
    this.closed = true;
    this.pendingFormed.settleAll();
    this.unwritten.clear();
    await this.log.close();
    this.mark.close();
    this.lock.release();
  }

  private tick(): void {
    if (this.queued === undefined && this.hasWork()) void this.commit();
  }

  private hasWork(): boolean {
    return this.nextSeqValue > this.unwritten.baseSeq || this.pendingReleases.length > 0 || this.pendingFormed.length > 0;
  }

  /**
   * Writes what came before it in steps of at most COMMIT_EVENTS events, each
   * synced: a batch's record is on disk after the step that holds its events,
   * not after the whole backlog. A record whose events are on disk already
   * goes in a step of its own, with no events: one sync, not one more step.
   */
  private async runCommit(): Promise<void> {
    const target = this.nextSeqValue;
    do {
      if (!this.hasWork() || !this.health.mayTry()) return;
      const written = this.unwritten.baseSeq;
      const toSeq = this.pendingFormed.firstBelow(written) ? written : Math.min(target, written + COMMIT_EVENTS);
      if (!(await this.commitStep(toSeq))) return;
    } while (this.unwritten.baseSeq < target);
  }

  /** One synced step: events up to `toSeq`, the records whose events it covers, every release. */
  private async commitStep(toSeq: number): Promise<boolean> {
    const fromSeq = this.unwritten.baseSeq;
    const releases = this.pendingReleases;
    this.pendingReleases = [];
    this.released.addRuns(releases);
    const taken = this.pendingFormed.take(toSeq);
    // A batch whose events are all released needs no record any more.
    const formed = taken.filter((record) => !this.released.hasAll(record.op.runs));
    spoolLog.debug(`commit begins: seqs ${fromSeq} to ${toSeq}`);
    let ok = true;
    try {
      const eventAt = (seq: number): ExportableEvent => this.unwritten.at(seq);
      const source = { eventAt, fromSeq, toSeq, formed: formed.map((record) => record.op), releases, released: this.released };
      const { chunks, byteLength, groups } = await encodeCommit(source, this.retainEncoded);
      await this.log.append(chunks, byteLength, fromSeq);
      this.retained.add(groups);
      this.unwritten.dropBelow(toSeq);
      this.durableSeqValue = toSeq;
      this.mark.write(toSeq);
      this.health.succeeded();
      spoolLog.debug(`committed ${toSeq - fromSeq} event(s); durable below seq ${toSeq}`);
    } catch (error) {
      ok = false;
      this.pendingReleases = releases.concat(this.pendingReleases);
      this.pendingFormed.putBack(formed.map((record) => ({ op: record.op, settle: () => undefined })));
      this.health.failed(error);
      // Released events need no record of their own: stop holding them while the disk is out.
      let seq = this.unwritten.baseSeq;
      while (seq < this.nextSeqValue && this.released.has(seq)) seq++;
      this.unwritten.dropBelow(seq);
    }
    for (const record of taken) record.settle();
    this.retained.prune(this.released);
    await this.log.deleteReleased(this.released.low);
    this.checkOverflow();
    return ok;
  }

  private checkOverflow(): void {
    if (this.onOverflow === undefined) return;
    const below = this.log.overflowBelow(this.options.maxBytes, this.durableSeqValue);
    if (below === undefined) return;
    try {
      this.onOverflow(below);
    } catch (error) {
      spoolLog.error(`spool overflow handler failed: ${(error as Error)?.message}`);
    }
  }
}
