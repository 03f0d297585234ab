import { randomUUID } from 'node:crypto';

/**
 * The id of each batch a BatchProcessor forms (SPEC §4 rule 3): assigned when
 * the batch is formed and kept, with the same events, until the batch is
 * delivered or dropped. Exporters read it to send as `webhook-id`, so a
 * receiver (or any idempotent sink) can drop a batch it has already seen.
 */
const ids = new WeakMap<readonly unknown[], string>();

/** Gives a newly formed batch its id. */
export function assignBatchId(batch: readonly unknown[]): string {
  const id = randomUUID();
  ids.set(batch, id);
  return id;
}

/** The id the processor gave this batch, or undefined for a batch it did not form. */
export function batchIdOf(batch: readonly unknown[]): string | undefined {
  return ids.get(batch);
}
