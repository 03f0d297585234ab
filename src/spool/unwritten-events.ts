import type { ExportableEvent } from '../events.js';

/** Spent entries at the head are dropped in one go past this many. */
const COMPACT_AFTER = 1024;

/** The events appended to a spool and not written yet, by seq from `baseSeq` on. */
export class UnwrittenEvents {
  private events: ExportableEvent[] = [];
  /** `events[head]` has seq `baseSeq`. */
  private head = 0;

  constructor(public baseSeq: number) {}

  push(event: ExportableEvent): void {
    this.events.push(event);
  }

  at(seq: number): ExportableEvent {
    return this.events[this.head + seq - this.baseSeq]!;
  }

  /** Forgets the events below `seq`: written, or released before they were. */
  dropBelow(seq: number): void {
    this.head += seq - this.baseSeq;
    this.baseSeq = seq;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.events = [];
    this.head = 0;
  }
}
