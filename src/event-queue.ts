/**
 * A FIFO of pending events with O(1) push and shift (a growable ring buffer),
 * numbering each event by its place in `add()` order so a flush can stop at
 * the events that were there when it began.
 */
export class EventQueue<T> {
  private items: Array<T | undefined> = new Array(16);
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
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & (this.items.length - 1)] = item;
    this.size++;
  }

  /** The oldest event, left in place. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.items[this.head];
  }

  /** The event `index` places from the oldest, left in place. */
  at(index: number): T | undefined {
    return index < 0 || index >= this.size ? undefined : this.items[(this.head + index) & (this.items.length - 1)];
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.size--;
    this.headSeq++;
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
    this.items = new Array(16);
    this.head = 0;
    this.size = 0;
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.size; i++) bigger[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = bigger;
    this.head = 0;
  }
}
