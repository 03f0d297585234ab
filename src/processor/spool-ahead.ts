import type { Spool } from '../spool/spool.js';
import type { Batch } from './batch.js';
import type { PendingBatches } from './pending-batches.js';

/**
 * Batches formed ahead with a spool: a batch's id must be on disk before it
 * leaves (SPEC §10), and every commit ends in an fsync. Recording one batch
 * per commit would make the pipeline wait on the disk once per batch, so
 * several are formed and put on record together, while the batch in flight
 * is on the wire; each waits only for the commit step that writes its record.
 * Eight ahead give that step time to end before the first of them is due.
 */
const BATCHES_PER_COMMIT = 8;

/** Puts a batch's id on record in the next commit, unless it is already. */
export function spoolFormed(spool: Spool, batch: Batch): void {
  if (batch.spooled) return;
  batch.durable = spool.formed(batch.id, batch.seqs);
  batch.spooled = true;
  void spool.commit();
}

/** Forms up to BATCHES_PER_COMMIT batches ahead and records the new ones in one commit; gives the first. */
export async function formAheadSpooled(
  pending: PendingBatches,
  spool: Spool,
  stopped: () => boolean,
): Promise<Batch | undefined> {
  const batches: Batch[] = [];
  for (let depth = 1; depth <= BATCHES_PER_COMMIT && !stopped(); depth++) {
    const next = pending.formAhead(depth);
    const batch = next instanceof Promise ? await next : next;
    if (batch === undefined || batches.includes(batch)) break;
    batches.push(batch);
  }
  const fresh = batches.filter((batch) => !batch.spooled && batch.length > 0);
  if (fresh.length > 0) {
    for (const batch of fresh) {
      batch.durable = spool.formed(batch.id, batch.seqs);
      batch.spooled = true;
    }
    void spool.commit();
  }
  return batches[0];
}
