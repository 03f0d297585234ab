import { performance } from 'node:perf_hooks';
import { encodeSlice, type EncodedSlice } from '../encoded-slice.js';
import type { EventEncoder } from '../event-encoder.js';
import type { EventQueue } from '../event-queue.js';
import type { ExportableEvent } from '../events.js';
import type { Spool } from '../spool/spool.js';
import type { Batch } from './batch.js';

/** How long one slice of a batch's formation may hold the event loop before it yields. */
export const SLICE_MS = 3;
/**
 * The slice a formation starts with, inside whatever task asked for the batch
 * (often a socket callback that other work shares): small batches still form
 * at once, large ones go on in slices of their own turns.
 */
export const FIRST_SLICE_MS = 1;
/** Events encoded together between two looks at the clock. */
const CLOCK_EVERY = 256;

/** Where a slice takes its events from. */
export interface SliceSource {
  queue: EventQueue<ExportableEvent>;
  /** The slice takes events added before this queue seq only. */
  untilSeq: number;
  /** Spool seq of queue seq 0. */
  seqBase: number;
  spool: Spool | undefined;
}

export interface SliceOutcome {
  /** The batch is full, or nothing more is there to take. */
  complete: boolean;
  /** Events appended to the batch. */
  added: number;
  /** Events dropped as invalid (SPEC §4 rule 5), and why the first was. */
  invalid: number;
  problem: string | undefined;
}

/** Events taken from one encoded slice, appended to the batch one contiguous range of bytes at a time. */
export class TakenEvents {
  events: ExportableEvent[] = [];
  sizes: number[] = [];
  seqs: number[] | undefined;
  private from = -1;
  private to = -1;

  constructor(
    private readonly batch: Batch,
    private readonly slice: EncodedSlice,
    spooled: boolean,
  ) {
    if (spooled) this.seqs = [];
  }

  take(i: number, event: ExportableEvent, seq: number): void {
    const { starts, ends } = this.slice;
    // A dropped oversized event between two taken ones leaves a gap in the bytes.
    if (this.from !== -1 && starts[i] !== this.to + 1) this.flush();
    if (this.from === -1) this.from = starts[i]!;
    this.to = ends[i]!;
    this.events.push(event);
    this.sizes.push(ends[i]! - starts[i]!);
    this.seqs?.push(seq);
  }

  flush(): void {
    if (this.from === -1) return;
    this.batch.append(this.events, this.slice.bytes.subarray(this.from, this.to), this.sizes, this.seqs);
    this.events = [];
    this.sizes = [];
    if (this.seqs !== undefined) this.seqs = [];
    this.from = -1;
  }
}

/** How many of these events fit in the batch after its `bytes` (−1: it is empty), and their bytes joined by commas. */
function fitting(sizes: readonly number[], bytes: number, maxBatchBytes: number): { count: number; bytes: number } {
  const base = bytes < 0 ? 0 : bytes + 1;
  let used = 0;
  let count = 0;
  for (; count < sizes.length; count++) {
    const next = used + (count > 0 ? 1 : 0) + sizes[count]!;
    if (base + next > maxBatchBytes) break;
    used = next;
  }
  return { count, bytes: used };
}

/**
 * Moves events from the queue's head into `batch`, encoding each once, until
 * the batch is full (maxBatchSize events, or the next event would pass
 * maxBatchBytes), the source has nothing more before `untilSeq`, or about
 * SLICE_MS have passed. An event that cannot be encoded, or that alone passes
 * maxBatchBytes, is dropped and counted; its neighbours go on.
 */
export function fillSlice(
  batch: Batch,
  source: SliceSource,
  encoder: EventEncoder,
  limits: { maxBatchSize: number; maxBatchBytes: number },
  budgetMs = SLICE_MS,
): SliceOutcome {
  const { queue, untilSeq, seqBase, spool } = source;
  const { maxBatchSize, maxBatchBytes } = limits;
  const deadline = performance.now() + budgetMs;
  let added = 0;
  let count = batch.length;
  let bytes = batch.byteLength;
  let invalid = 0;
  let problem: string | undefined;
  const drop = (why: string | undefined): void => {
    spool?.release([seqBase + queue.headSeq]);
    queue.shift();
    invalid++;
    problem ??= why;
  };
  for (;;) {
    const room = Math.min(maxBatchSize - count, queue.length, untilSeq - queue.headSeq);
    if (room <= 0) return { complete: true, added, invalid, problem };
    const kept = spool?.encodedStretch(seqBase + queue.headSeq, Math.min(room, CLOCK_EVERY));
    if (kept !== undefined && kept.sizes[0]! <= maxBatchBytes) {
      // Committed already: the batch takes the bytes the spool wrote instead of encoding again.
      const take = fitting(kept.sizes, count === 0 ? -1 : bytes, maxBatchBytes);
      const events = new Array<ExportableEvent>(take.count);
      const seqs = new Array<number>(take.count);
      for (let i = 0; i < take.count; i++) {
        seqs[i] = seqBase + queue.headSeq;
        events[i] = queue.shift()!;
      }
      batch.append(events, kept.json.subarray(0, take.bytes), kept.sizes.slice(0, take.count), seqs);
      bytes += (count > 0 ? 1 : 0) + take.bytes;
      count += take.count;
      added += take.count;
      if (take.count < kept.sizes.length) return { complete: true, added, invalid, problem };
      if (performance.now() > deadline) return { complete: false, added, invalid, problem };
      continue;
    }
    const events = new Array<ExportableEvent>(Math.min(room, CLOCK_EVERY));
    for (let i = 0; i < events.length; i++) events[i] = queue.at(i)!;
    const slice = encodeSlice(encoder, events);
    const taken = new TakenEvents(batch, slice, spool !== undefined);
    let full = false;
    for (let i = 0; i < events.length; i++) {
      const start = slice.starts[i]!;
      if (start === -1) {
        drop(slice.problem);
        continue;
      }
      const size = slice.ends[i]! - start;
      if (size > maxBatchBytes) {
        drop(`one event is ${size} bytes, over maxBatchBytes (${maxBatchBytes})`);
        continue;
      }
      if (count > 0 && bytes + 1 + size > maxBatchBytes) {
        full = true;
        break;
      }
      taken.take(i, events[i]!, seqBase + queue.headSeq);
      queue.shift();
      bytes += (count > 0 ? 1 : 0) + size;
      count++;
      added++;
    }
    taken.flush();
    if (full) return { complete: true, added, invalid, problem };
    if (performance.now() > deadline) return { complete: false, added, invalid, problem };
  }
}
