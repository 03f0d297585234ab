/** Slots per chunk: a power of two, so a place splits into chunk and slot with a shift and a mask. */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const SLOT = CHUNK - 1;

/**
 * A FIFO of pending events with O(1) push and shift, numbering each event by
 * its place in `add()` order so a flush can stop at the events that were
 * there when it began. It grows by fixed chunks, never by copying: a ring
 * buffer that doubles copies every entry at once, a pause of milliseconds
 * inside one `add()` once the queue holds a few hundred thousand events.
 */
export class EventQueue<T> {
  private chunks: Array<Array<T | undefined>> = [];
  /** Place of the oldest event in `chunks[0]`. */
  private head = 0;
  private size = 0;
  /** Sequence number of the oldest event still queued. */
  headSeq = 0;

  get length(): number {
    return this.size;
  }

  /** Sequence number the next pushed event will get. */
  get tailSeq(): number {
    return this.headSeq + this.size;
  }

  push(item: T): void {
    const place = this.head + this.size;
    const chunk = place >>> CHUNK_BITS;
    if (chunk === this.chunks.length) this.chunks.push(new Array<T | undefined>(CHUNK));
    this.chunks[chunk]![place & SLOT] = item;
    this.size++;
  }

  /** The oldest event, left in place. */
  peek(): T | undefined {
    return this.at(0);
  }

  /** The event `index` places from the oldest, left in place. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    const place = this.head + index;
    return this.chunks[place >>> CHUNK_BITS]![place & SLOT];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const first = this.chunks[0]!;
    const item = first[this.head];
    first[this.head] = undefined;
    this.size--;
    this.headSeq++;
    if (++this.head === CHUNK) {
      this.chunks.shift();
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns up to `count` of the oldest events. */
  take(count: number): T[] {
    const n = Math.min(count, this.size);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift() as T;
    return out;
  }

  clear(): void {
    this.headSeq += this.size;
    this.chunks = [];
    this.head = 0;
    this.size = 0;
  }
}
