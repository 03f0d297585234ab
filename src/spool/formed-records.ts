import type { FormedOp } from './commit-encoder.js';

/** A FORMED record waiting for a commit, and the batch that waits for it to be on disk. */
export interface WaitingRecord {
  op: FormedOp;
  settle: () => void;
}

/**
 * FORMED records not written yet, in the order the batches were formed. A
 * record goes into the first commit step that writes all its events, and
 * whoever sends that batch is told then, not when the whole backlog is on disk.
 */
export class FormedRecords {
  private waiting: WaitingRecord[] = [];

  get length(): number {
    return this.waiting.length;
  }

  /** Resolves once a commit has written the record (or failed to: a commit never rejects). */
  add(op: FormedOp): Promise<void> {
    return new Promise((settle) => this.waiting.push({ op, settle }));
  }

  /** Takes, in order, the records whose events all have seqs below `toSeq`. */
  take(toSeq: number): WaitingRecord[] {
    let count = 0;
    while (count < this.waiting.length && this.waiting[count]!.op.runs.at(-1)! <= toSeq) count++;
    return this.waiting.splice(0, count);
  }

  /** Whether the first record waiting names only events with seqs below `seq` (written already). */
  firstBelow(seq: number): boolean {
    const first = this.waiting[0];
    return first !== undefined && first.op.runs.at(-1)! <= seq;
  }

  /** Records a failed commit could not write: first in line for the next one. */
  putBack(records: readonly WaitingRecord[]): void {
    this.waiting = [...records, ...this.waiting];
  }

  /** Lets everyone waiting go on (the spool closes). */
  settleAll(): void {
    for (const record of this.waiting.splice(0)) record.settle();
  }
}
