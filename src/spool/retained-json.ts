import type { EncodedEvents } from '../exporter.js';
import type { EncodedGroup } from './commit-encoder.js';
import type { SeqRangeSet } from './seq-runs.js';

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Position of `seq` among the seqs of `group` (runs order), or −1. */
function indexIn(group: EncodedGroup, seq: number): number {
  let before = 0;
  for (let i = 0; i < group.runs.length; i += 2) {
    const start = group.runs[i]!;
    const end = group.runs[i + 1]!;
    if (seq >= start && seq < end) return before + seq - start;
    before += end - start;
  }
  return -1;
}

/**
 * The JSON a commit wrote for events not yet released, kept so the body of a
 * batch can be cut from it instead of serializing the same events again:
 * every group's bytes are its events' JSON joined by ",", so consecutive
 * events of a batch are one slice of them.
 */
export class RetainedJson {
  /** Ascending by seq: commits write events in seq order. */
  private groups: EncodedGroup[] = [];
  private hint = 0;

  add(groups: readonly EncodedGroup[]): void {
    for (const group of groups) this.groups.push(group);
  }

  /**
   * Forgets the oldest groups while all their events are released. Events are
   * mostly released in order; a released group behind one still pending waits
   * for it, so a commit's pruning costs what it frees, not the whole list.
   */
  prune(released: SeqRangeSet): void {
    let done = 0;
    while (done < this.groups.length && released.hasAll(this.groups[done]!.runs)) done++;
    if (done > 0) this.groups.splice(0, done);
  }

  /**
   * The JSON array of these events (seqs ascending), as the slices of what was
   * written; undefined when one of them is not kept (not committed yet,
   * replayed from a previous process, or invalid).
   */
  encodedOf(seqs: readonly number[]): EncodedEvents | undefined {
    const chunks: Uint8Array[] = [OPEN];
    let byteLength = 1;
    let text: Buffer | undefined;
    let from = 0;
    let to = 0;
    const cut = (): void => {
      if (text === undefined) return;
      if (chunks.length > 1) {
        chunks.push(COMMA);
        byteLength++;
      }
      chunks.push(text.subarray(from, to));
      byteLength += to - from;
    };
    let g = 0;
    for (const seq of seqs) {
      const at = this.find(seq, g);
      if (at < 0) return undefined;
      g = at;
      const group = this.groups[at]!;
      const i = indexIn(group, seq);
      const start = i < 0 ? -1 : group.starts[i]!;
      if (start < 0) return undefined;
      if (group.text === text && start === to + 1) {
        to = group.ends[i]!;
      } else {
        cut();
        text = group.text;
        from = start;
        to = group.ends[i]!;
      }
    }
    cut();
    chunks.push(CLOSE);
    return { chunks, byteLength: byteLength + 1 };
  }

  /**
   * The JSON of consecutive events from `seq` on (at most `max`) that one
   * commit wrote back to back, joined by ",", with each one's byte length;
   * undefined when `seq` is not kept (not committed yet, or invalid).
   */
  stretch(seq: number, max: number): { json: Buffer; sizes: number[] } | undefined {
    const at = this.find(seq, this.hint);
    if (at < 0) return undefined;
    this.hint = at;
    const group = this.groups[at]!;
    const { runs, starts, ends } = group;
    let before = 0;
    let r = 0;
    while (r < runs.length && !(seq >= runs[r]! && seq < runs[r + 1]!)) {
      before += runs[r + 1]! - runs[r]!;
      r += 2;
    }
    if (r >= runs.length) return undefined;
    const first = before + seq - runs[r]!;
    const last = Math.min(first + max, first + runs[r + 1]! - seq);
    const from = starts[first]!;
    if (from < 0) return undefined;
    const sizes: number[] = [];
    let to = from - 1;
    for (let i = first; i < last && starts[i] === to + 1; i++) {
      sizes.push(ends[i]! - starts[i]!);
      to = ends[i]!;
    }
    return { json: group.text.subarray(from, to), sizes };
  }

  /** Index of the group that may hold `seq` (the last starting at or below it), searching from `hint`. */
  private find(seq: number, hint: number): number {
    const groups = this.groups;
    if (hint < groups.length && groups[hint]!.runs[0]! <= seq && (hint + 1 === groups.length || groups[hint + 1]!.runs[0]! > seq)) {
      return hint;
    }
    let lo = 0;
    let hi = groups.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (groups[mid]!.runs[0]! <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
