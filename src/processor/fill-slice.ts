import { performance } from 'node:perf_hooks';
import type { EventEncoder } from '../event-encoder.js';
import type { EventQueue } from '../event-queue.js';
import type { ExportableEvent } from '../events.js';
import type { Spool } from '../spool/spool.js';
import type { Batch } from './batch.js';

/** How long one slice of a batch's formation may hold the event loop before it yields. */
const SLICE_MS = 4;
/** Events encoded between two looks at the clock. */
const CLOCK_EVERY = 128;

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
): SliceOutcome {
  const { queue, untilSeq, seqBase, spool } = source;
  const { maxBatchSize, maxBatchBytes } = limits;
  const deadline = performance.now() + SLICE_MS;
  let events: ExportableEvent[] = [];
  let texts: string[] = [];
  let sizes: number[] = [];
  let seqs: number[] | undefined = spool === undefined ? undefined : [];
  let added = 0;
  let count = batch.length;
  let bytes = batch.byteLength;
  let invalid = 0;
  let problem: string | undefined;
  let complete = false;
  // The texts go into the batch's bytes every CLOCK_EVERY events, inside the time budget:
  // joining and encoding them costs as much as writing them.
  const flush = (): void => {
    batch.append(events, texts, sizes, seqs);
    added += events.length;
    events = [];
    texts = [];
    sizes = [];
    if (seqs !== undefined) seqs = [];
  };
  for (let seen = 1; ; seen++) {
    if (count >= maxBatchSize || queue.length === 0 || queue.headSeq >= untilSeq) {
      complete = true;
      break;
    }
    const event = queue.peek()!;
    const text = encoder.encode(event);
    const size = text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
    if (text === undefined || size > maxBatchBytes) {
      spool?.release([seqBase + queue.headSeq]);
      queue.shift();
      invalid++;
      problem ??= text === undefined ? encoder.problem : `one event is ${size} bytes, over maxBatchBytes (${maxBatchBytes})`;
      continue;
    }
    if (count > 0 && bytes + 1 + size > maxBatchBytes) {
      complete = true;
      break;
    }
    seqs?.push(seqBase + queue.headSeq);
    queue.shift();
    events.push(event);
    texts.push(text);
    sizes.push(size);
    bytes += (count > 0 ? 1 : 0) + size;
    count++;
    if (seen % CLOCK_EVERY === 0) {
      flush();
      if (performance.now() > deadline) break;
    }
  }
  flush();
  return { complete, added, invalid, problem };
}
