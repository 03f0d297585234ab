import { randomUUID } from 'node:crypto';
import type { ExportableEvent } from '../events.js';
import type { EncodedEvents } from '../exporter.js';

/** The pieces of one batch split by 413s share one refusal budget (the split floor). */
export interface SplitFamily {
  refusals: number;
  readonly budget: number;
}

/**
 * Where a batch's id can be read back from its events array by `batchIdOf`,
 * in any copy of the package: `Symbol.for` is shared across ESM, CJS and
 * versions, where a module's WeakMap is not.
 */
export const BATCH_ID = Symbol.for('ff-webhook-exporter.batchId');

/** Dead events a trimmed batch may keep before it compacts. */
const COMPACT_MIN = 1024;
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const COMMA = Buffer.from(',');

/**
 * A batch is a value that owns its id (SPEC §4 rule 3), its events and their
 * bytes, encoded once when it was formed: every attempt sends the same bytes
 * under the same id, and what is counted delivered is exactly what was in
 * the body. `content` holds the events' JSON joined by commas, in chunks;
 * `ends[i]` is where event i ends in it.
 */
export class Batch {
  id: string;
  /**
   * Its events were handed to the exporter (in it, or in the batch it is a 413 half of):
   * from then on it is dropped whole, never trimmed, and keeps its id.
   */
  sent = false;
  /** Formed ahead from events the running flush does not cover: the next flush sends it. */
  forNextPass = false;
  /** `exporter.prepare` has seen its events array. */
  prepared = false;
  /**
   * A spool has its id on record (SPEC §10): replayed under it after a restart,
   * so from then on it is dropped whole, never trimmed, as a sent batch is.
   */
  spooled = false;
  /** Settles when the commit that puts its id on record has run. */
  durable: Promise<void> | undefined;
  /** Still being filled by a sliced formation. */
  filling = true;
  /** The 413 split family it belongs to, if it came from a split. */
  family: SplitFamily | undefined;

  private events: ExportableEvent[] = [];
  /** The events' spool seqs, when a spool keeps them (SPEC §10). */
  private seqList: number[] | undefined;
  private content: Buffer[] = [];
  private ends: number[] = [];
  /** Events dropped from the front (overflow) before the batch was ever sent. */
  private start = 0;

  constructor(id: string = randomUUID()) {
    this.id = id;
  }

  get length(): number {
    return this.events.length - this.start;
  }

  /** Bytes of the events' JSON, commas between them included. */
  get byteLength(): number {
    if (this.length === 0) return 0;
    return this.ends[this.ends.length - 1]! - this.offsetOf(this.start);
  }

  /** The spool seqs of its events, in order (empty without a spool). */
  get seqs(): number[] {
    return this.seqList === undefined ? [] : this.seqList.slice(this.start);
  }

  /**
   * Appends encoded events: `json` is their JSON joined by "," (a view, not a
   * copy), `bytes` each one's UTF-8 length, `seqs` their spool seqs.
   */
  append(events: readonly ExportableEvent[], json: Buffer, bytes: ArrayLike<number>, seqs?: readonly number[]): void {
    if (events.length === 0) return;
    if (seqs !== undefined) {
      const list = (this.seqList ??= []);
      for (let i = 0; i < seqs.length; i++) list.push(seqs[i]!);
    }
    let end = this.ends.length === 0 ? -1 : this.ends[this.ends.length - 1]!;
    for (let i = 0; i < events.length; i++) {
      end += 1 + bytes[i]!;
      this.ends.push(end);
      this.events.push(events[i]!);
    }
    if (this.content.length > 0) this.content.push(COMMA);
    this.content.push(json);
  }

  /** Drops the `count` oldest events of a batch never sent (overflow); a prepared one becomes a new batch. Gives their seqs. */
  trimFront(count: number): number[] {
    const from = this.start;
    this.start += Math.min(count, this.length);
    const trimmed = this.seqList === undefined ? [] : this.seqList.slice(from, this.start);
    // What was trimmed is gone: let go of it (amortized O(1) per trimmed event).
    if (this.length === 0) this.reset();
    else if (this.start >= COMPACT_MIN && this.start >= this.length) this.compact();
    if (this.prepared) {
      this.id = randomUUID();
      this.prepared = false;
    }
    return trimmed;
  }

  /** The events to export; after a trim, a new array holding exactly the remaining events. */
  eventsForExport(): ExportableEvent[] {
    if (this.start > 0) this.compact();
    tagWithId(this.events, this.id);
    return this.events;
  }

  /** Exactly `[e1,...,en]` of `eventsForExport()`, as views over the bytes formed once. */
  encoded(): EncodedEvents {
    if (this.start > 0) this.compact();
    const chunks = [OPEN, ...this.content, CLOSE];
    return { chunks, byteLength: this.byteLength + 2 };
  }

  /** Two new batches with new ids: the first takes the odd event (SPEC §4 rule 3). */
  halves(family: SplitFamily): [Batch, Batch] {
    const middle = Math.ceil(this.length / 2);
    return [this.slice(this.start, this.start + middle, family), this.slice(this.start + middle, this.events.length, family)];
  }

  /** Byte offset where event i begins in `content`. */
  private offsetOf(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]! + 1;
  }

  private slice(from: number, to: number, family: SplitFamily): Batch {
    const batch = new Batch();
    batch.filling = false;
    batch.sent = true;
    batch.family = family;
    batch.events = this.events.slice(from, to);
    batch.seqList = this.seqList?.slice(from, to);
    const base = this.offsetOf(from);
    batch.ends = this.ends.slice(from, to).map((end) => end - base);
    batch.content = viewBytes(this.content, base, this.ends[to - 1]!);
    return batch;
  }

  private reset(): void {
    this.events = [];
    this.ends = [];
    this.content = [];
    if (this.seqList !== undefined) this.seqList = [];
    this.start = 0;
  }

  private compact(): void {
    const from = this.start;
    const base = this.offsetOf(from);
    this.content = viewBytes(this.content, base, this.ends[this.ends.length - 1]!);
    this.ends = this.ends.slice(from).map((end) => end - base);
    this.events = this.events.slice(from);
    this.seqList = this.seqList?.slice(from);
    this.start = 0;
  }
}

/** Views (no copies) of the bytes [from, to) of chunks laid end to end. */
function viewBytes(chunks: readonly Buffer[], from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const next = offset + chunk.length;
    if (next > from && offset < to) out.push(chunk.subarray(Math.max(from - offset, 0), Math.min(to - offset, chunk.length)));
    offset = next;
  }
  return out;
}

/** Sets the id on an events array, for `batchIdOf` in any copy of the package. */
export function tagWithId(events: ExportableEvent[], id: string): void {
  Object.defineProperty(events, BATCH_ID, { value: id, configurable: true, enumerable: false, writable: false });
}
