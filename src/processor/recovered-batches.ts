import { encodeSlice } from '../encoded-slice.js';
import { EventEncoder } from '../event-encoder.js';
import type { ExportableEvent } from '../events.js';
import { Batch } from './batch.js';
import { TakenEvents } from './fill-slice.js';

/** What a spool read back at start: a batch formed before the restart (with its id), or events still pending. */
export interface RecoveredGroup {
  id?: string;
  events: readonly ExportableEvent[];
  seqs: readonly number[];
}

/**
 * Batches of what a spool recovered, encoded once: a group formed before the
 * restart stays one batch under its id (receivers drop the duplicate), as if
 * already sent; pending events are formed anew within the limits. Events that
 * cannot be encoded, or pass maxBatchBytes alone, come back as `invalid` seqs.
 */
export function recoveredBatches(
  recovered: readonly RecoveredGroup[],
  limits: { maxBatchSize: number; maxBatchBytes: number },
): { batches: Batch[]; invalid: number[] } {
  const encoder = new EventEncoder();
  const batches: Batch[] = [];
  const invalid: number[] = [];
  for (const group of recovered) {
    const slice = encodeSlice(encoder, group.events);
    let taken: TakenEvents | undefined;
    let count = 0;
    let bytes = 0;
    for (let i = 0; i < group.events.length; i++) {
      const start = slice.starts[i]!;
      const size = slice.ends[i]! - start;
      if (start === -1 || size > limits.maxBatchBytes) {
        invalid.push(group.seqs[i]!);
        continue;
      }
      const full = taken !== undefined && group.id === undefined && (count >= limits.maxBatchSize || bytes + 1 + size > limits.maxBatchBytes);
      if (taken === undefined || full) {
        taken?.flush();
        const batch = new Batch(group.id);
        batch.filling = false;
        batch.sent = group.id !== undefined;
        batch.spooled = group.id !== undefined;
        batches.push(batch);
        taken = new TakenEvents(batch, slice, true);
        count = 0;
        bytes = -1;
      }
      taken.take(i, group.events[i]!, group.seqs[i]!);
      count++;
      bytes += 1 + size;
    }
    taken?.flush();
  }
  return { batches, invalid };
}
