import type { ExportableEvent } from '../events.js';
import { RecordType } from './record-format.js';
import type { SegmentScan } from './segment-reader.js';
import { SeqRangeSet, pushRun, type SeqRuns } from './seq-runs.js';

/** Events the previous process accepted and did not deliver, replayed in `add()` order. */
export interface RecoveredBatch {
  /**
   * Set when the batch was formed (its id handed to an exporter) before the
   * restart: replay it under this id, so a receiver that got it drops the
   * duplicate. Unset: pending events that were never sent.
   */
  id?: string;
  events: ExportableEvent[];
  /** The events' seqs, ascending; release them with these. */
  seqs: number[];
}

/** What the segments say, once reconciled. */
export interface Recovery {
  batches: RecoveredBatch[];
  /** Events known to have been accepted whose record is torn or damaged. */
  corrupt: number;
  /** Events stored as invalid (SPEC §2) that were still pending. */
  invalid: number;
  /** The seqs of those corrupt and invalid events: released at open so they are counted once. */
  lost: SeqRuns;
  /** Every seq below it is released or was never assigned. */
  baseline: number;
  nextSeq: number;
  /** The start seq of each scan, in order (a damaged header's is inferred). */
  starts: number[];
  /** Released seqs once `lost` is released too: the live spool goes on from it. */
  released: SeqRangeSet;
}

function parseEvent(json: string): ExportableEvent | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ExportableEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** Start seqs per segment; a damaged header's start is the least seq it names, or its predecessor's. */
function resolveStarts(scans: readonly SegmentScan[]): number[] {
  const starts: number[] = [];
  let previous = 0;
  for (const scan of scans) {
    const start = scan.start ?? scan.minSeq ?? previous;
    starts.push(start);
    previous = start;
  }
  return starts;
}

/**
 * Reconciles the records of every segment. Seqs are assigned one by one and
 * never skipped, so any seq from the oldest segment's start to the greatest
 * seq named that has no event record, no invalid record and no release was
 * lost to damage: that is how corruption is counted exactly, even when the
 * damaged bytes themselves say nothing. `committedBelow` is the commit
 * mark: every seq below it was committed, so the end is known too.
 */
export function recover(scans: readonly SegmentScan[], committedBelow = 0): Recovery {
  const starts = resolveStarts(scans);
  const baseline = starts[0] ?? committedBelow;
  // The commit mark names events a damaged end of the newest segment no longer does.
  let nextSeq = Math.max(baseline, starts[starts.length - 1] ?? 0, committedBelow);
  for (const scan of scans) nextSeq = Math.max(nextSeq, scan.maxSeq + 1);

  const released = new SeqRangeSet(baseline);
  const appended = new Map<number, string>();
  const invalidSeqs = new Set<number>();
  const formed: Array<{ id: string; runs: SeqRuns }> = [];
  for (const scan of scans) {
    for (const record of scan.records) {
      switch (record.type) {
        case RecordType.Events: {
          let line = 0;
          for (let i = 0; i < record.runs.length; i += 2) {
            for (let seq = record.runs[i]!; seq < record.runs[i + 1]!; seq++, line++) {
              if (released.has(seq)) continue;
              const json = record.lines[line]!;
              if (json === '') invalidSeqs.add(seq);
              else appended.set(seq, json);
            }
          }
          break;
        }
        case RecordType.Formed:
          formed.push(record);
          break;
        case RecordType.Release:
          released.addRuns(record.runs);
          // Keep only what may be replayed: a spool of released events costs no memory here.
          for (let i = 0; i < record.runs.length && appended.size > 0; i += 2) {
            for (let seq = record.runs[i]!; seq < record.runs[i + 1]!; seq++) appended.delete(seq);
          }
          break;
      }
    }
  }

  // Later FORMED records win: a 413 replaces a batch by halves with new ids.
  const owner = new Map<number, string>();
  for (const { id, runs } of formed) {
    for (let i = 0; i < runs.length; i += 2) {
      released.forEachGap(runs[i]!, runs[i + 1]!, (from, to) => {
        for (let seq = from; seq < to; seq++) if (appended.has(seq)) owner.set(seq, id);
      });
    }
  }

  const batches: RecoveredBatch[] = [];
  const byId = new Map<string, RecoveredBatch>();
  const lost: SeqRuns = [];
  let corrupt = 0;
  let invalid = 0;
  released.forEachGap(baseline, nextSeq, (from, to) => {
    for (let seq = from; seq < to; seq++) {
      const json = appended.get(seq);
      const event = json === undefined ? undefined : parseEvent(json);
      if (event === undefined) {
        if (json === undefined && invalidSeqs.has(seq)) invalid++;
        else corrupt++;
        pushRun(lost, seq, seq + 1);
        continue;
      }
      const id = owner.get(seq);
      let batch = id === undefined ? batches[batches.length - 1] : byId.get(id);
      if (batch === undefined || (id === undefined && batch.id !== undefined)) {
        batch = id === undefined ? { events: [], seqs: [] } : { id, events: [], seqs: [] };
        batches.push(batch);
        if (id !== undefined) byId.set(id, batch);
      }
      batch.events.push(event);
      batch.seqs.push(seq);
    }
  });
  released.addRuns(lost);
  return { batches, corrupt, invalid, lost, baseline, nextSeq, starts, released };
}
