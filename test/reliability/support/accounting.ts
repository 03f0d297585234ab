import assert from 'node:assert/strict';
import type { ProcessorStats } from '../../../src/batch-processor.js';

/** SPEC §4 rule 6, and rule 4's cap, on one stats() snapshot. */
export function assertAccounting(stats: ProcessorStats, maxBufferedEvents: number, where: string): void {
  const { accepted, delivered, pending, inFlight, dropped } = stats;
  const accounted = delivered + pending + inFlight + dropped.overflow + dropped.invalid + dropped.shutdown;
  if (accepted !== accounted) {
    assert.fail(`rule 6 broken ${where}: accepted ${accepted} ≠ ${accounted} accounted (${JSON.stringify(stats)})`);
  }
  if (pending + inFlight > maxBufferedEvents) {
    assert.fail(`rule 4 broken ${where}: pending ${pending} + inFlight ${inFlight} > maxBufferedEvents ${maxBufferedEvents}`);
  }
}
