import { BATCH_ID } from './processor/batch.js';

/**
 * The id a BatchProcessor gave the batch it handed to an exporter (SPEC §4
 * rule 3), or undefined for an array it did not form. Kept for exporters
 * written before the id travelled in `export`'s third argument (`batchId`),
 * which is the way to read it; it works across copies of the package too.
 */
export function batchIdOf(batch: readonly unknown[]): string | undefined {
  const id = (batch as unknown as Record<symbol, unknown>)[BATCH_ID];
  return typeof id === 'string' ? id : undefined;
}
