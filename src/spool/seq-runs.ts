/**
 * Sets of event sequence numbers kept as half-open runs `[start, end)`:
 * batches are formed and released in `add()` order, so their seqs are a few
 * long runs, and a run is as cheap to store and write as one seq.
 */

/** Runs as flat pairs `[start0, end0, start1, end1, ...]`, each `start < end`. */
export type SeqRuns = number[];

/** Appends `[start, end)` to `runs`, merged into the last run when they touch. */
export function pushRun(runs: SeqRuns, start: number, end: number): void {
  if (start >= end) return;
  const last = runs.length - 1;
  if (last > 0 && runs[last] === start) runs[last] = end;
  else runs.push(start, end);
}

/** The runs of a list of seqs, in the order given (ascending lists give the fewest runs). */
export function runsOf(seqs: readonly number[]): SeqRuns {
  const runs: SeqRuns = [];
  for (let i = 0; i < seqs.length; i++) {
    const seq = seqs[i]!;
    pushRun(runs, seq, seq + 1);
  }
  return runs;
}

/** How many seqs `runs` covers (runs may overlap only if the caller gave duplicates). */
export function runsLength(runs: SeqRuns): number {
  let total = 0;
  for (let i = 0; i < runs.length; i += 2) total += runs[i + 1]! - runs[i]!;
  return total;
}

/**
 * A set of seqs that always holds every seq below `low` (the watermark), and
 * above it disjoint, non-touching runs in ascending order. Releases arrive
 * nearly in order, so adding is usually an append or an extension of the last
 * run, and the watermark moves up as the gaps close.
 */
export class SeqRangeSet {
  private starts: number[] = [];
  private ends: number[] = [];

  constructor(private lowSeq = 0) {}

  /** Every seq below this is in the set; it is the lowest seq not in it. */
  get low(): number {
    return this.lowSeq;
  }

  /** Adds every seq of `[start, end)`. */
  add(start: number, end: number): void {
    if (start < this.lowSeq) start = this.lowSeq;
    if (start >= end) return;
    const n = this.starts.length;
    if (n === 0 || start > this.ends[n - 1]!) {
      this.starts.push(start);
      this.ends.push(end);
    } else if (start >= this.starts[n - 1]!) {
      if (end > this.ends[n - 1]!) this.ends[n - 1] = end;
    } else {
      this.merge(start, end);
    }
    if (this.starts.length > 0 && this.starts[0]! <= this.lowSeq) {
      this.lowSeq = this.ends[0]!;
      this.starts.shift();
      this.ends.shift();
    }
  }

  addRuns(runs: SeqRuns): void {
    for (let i = 0; i < runs.length; i += 2) this.add(runs[i]!, runs[i + 1]!);
  }

  has(seq: number): boolean {
    if (seq < this.lowSeq) return true;
    const i = this.lastStartAtOrBelow(seq);
    return i >= 0 && seq < this.ends[i]!;
  }

  /** True when every seq of `runs` is in the set. */
  hasAll(runs: SeqRuns): boolean {
    for (let i = 0; i < runs.length; i += 2) {
      const end = runs[i + 1]!;
      if (end <= this.lowSeq) continue;
      const start = Math.max(runs[i]!, this.lowSeq);
      // `low` itself is never in the set, and no run starts at or below it.
      if (start === this.lowSeq) return false;
      const j = this.lastStartAtOrBelow(start);
      if (j < 0 || end > this.ends[j]!) return false;
    }
    return true;
  }

  /** Calls `visit` with each maximal sub-range of `[from, to)` that is NOT in the set, ascending. */
  forEachGap(from: number, to: number, visit: (start: number, end: number) => void): void {
    let cursor = Math.max(from, this.lowSeq);
    let i = Math.max(0, this.lastStartAtOrBelow(cursor));
    while (cursor < to) {
      while (i < this.starts.length && this.ends[i]! <= cursor) i++;
      if (i < this.starts.length && this.starts[i]! <= cursor) {
        cursor = this.ends[i]!;
        continue;
      }
      const gapEnd = i < this.starts.length ? Math.min(this.starts[i]!, to) : to;
      visit(cursor, gapEnd);
      cursor = gapEnd;
    }
  }

  /** Index of the run with the greatest start ≤ seq, or −1. */
  private lastStartAtOrBelow(seq: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The slow path: `[start, end)` lands among the runs; merge what it touches. */
  private merge(start: number, end: number): void {
    let first = this.lastStartAtOrBelow(start);
    if (first < 0 || this.ends[first]! < start) first++;
    let last = first;
    while (last < this.starts.length && this.starts[last]! <= end) last++;
    // Runs first..last-1 touch [start, end).
    const newStart = first < last ? Math.min(start, this.starts[first]!) : start;
    const newEnd = first < last ? Math.max(end, this.ends[last - 1]!) : end;
    this.starts.splice(first, last - first, newStart);
    this.ends.splice(first, last - first, newEnd);
  }
}
