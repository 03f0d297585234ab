import { EventQueue } from '../event-queue.js';
import type { ExportableEvent } from '../events.js';

/**
 * The events appended to a spool and not written yet, by seq from `baseSeq`
 * on: an EventQueue, so an append (inside `add()`) never copies the backlog.
 */
export class UnwrittenEvents {
  private readonly queue = new EventQueue<ExportableEvent>();

  /** `firstSeq`: the seq of the first event pushed. */
  constructor(private readonly firstSeq: number) {}

  /** Seq of the oldest event not written yet. */
  get baseSeq(): number {
    return this.firstSeq + this.queue.headSeq;
  }

  push(event: ExportableEvent): void {
    this.queue.push(event);
  }

  at(seq: number): ExportableEvent {
    return this.queue.at(seq - this.baseSeq)!;
  }

  /** Forgets the events below `seq`: written, or released before they were. */
  dropBelow(seq: number): void {
    for (let n = seq - this.baseSeq; n > 0; n--) this.queue.shift();
  }

  clear(): void {
    this.queue.clear();
  }
}
