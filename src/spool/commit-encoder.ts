import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExportableEvent } from '../events.js';
import { serializeEvent } from '../serialize.js';
import {
  MAX_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  RecordType,
  runsBytes,
  sealRecord,
  writeRuns,
} from './record-format.js';
import type { SeqRangeSet, SeqRuns } from './seq-runs.js';

/** A batch's id as first handed to an exporter, waiting to be written. */
export interface FormedOp {
  id: string;
  runs: SeqRuns;
}

/** What one group commit writes. */
export interface CommitSource {
  /** The events with seqs `fromSeq` to `toSeq - 1`. */
  eventAt(seq: number): ExportableEvent;
  fromSeq: number;
  toSeq: number;
  formed: readonly FormedOp[];
  releases: SeqRuns;
  /** Events already released need no record of their own: their release covers them. */
  released: SeqRangeSet;
}

const SLAB_BYTES = 256 * 1024;
/** Events serialized between two turns of the event loop: about a millisecond of work. */
const SLICE_EVENTS = 512;
const RUNS_PER_RECORD = 64 * 1024;

/** Records laid end to end in a few large buffers, written with one writev. */
class ChunkBuilder {
  readonly chunks: Buffer[] = [];
  byteLength = 0;
  private slab = Buffer.allocUnsafe(0);
  private used = 0;

  /** A slab with `bytes` free at the returned offset; call `commit` with what was used. */
  reserve(bytes: number): { slab: Buffer; offset: number } {
    if (this.slab.length - this.used < bytes) {
      this.flushSlab();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
    }
    return { slab: this.slab, offset: this.used };
  }

  commit(end: number): void {
    this.byteLength += end - this.used;
    this.used = end;
  }

  finish(): Buffer[] {
    this.flushSlab();
    return this.chunks;
  }

  private flushSlab(): void {
    if (this.used > 0) this.chunks.push(this.slab.subarray(0, this.used));
    this.slab = Buffer.allocUnsafe(0);
    this.used = 0;
  }
}

function writeSeqRecord(out: ChunkBuilder, type: RecordType, seq: number): void {
  const { slab, offset } = out.reserve(RECORD_HEADER_BYTES + 9);
  slab[offset + RECORD_HEADER_BYTES] = type;
  slab.writeDoubleLE(seq, offset + RECORD_HEADER_BYTES + 1);
  out.commit(sealRecord(slab, offset, 9));
}

/** Writes an APPEND record; false when the event cannot be stored (invalid, or larger than a record may be). */
function writeEvent(out: ChunkBuilder, seq: number, event: ExportableEvent): boolean {
  const json = serializeEvent(event);
  if (json === undefined || json.length * 3 + 9 > MAX_PAYLOAD_BYTES) return false;
  const { slab, offset } = out.reserve(RECORD_HEADER_BYTES + 9 + json.length * 3);
  const payload = offset + RECORD_HEADER_BYTES;
  slab[payload] = RecordType.Append;
  slab.writeDoubleLE(seq, payload + 1);
  const written = slab.write(json, payload + 9, 'utf8');
  out.commit(sealRecord(slab, offset, 9 + written));
  return true;
}

function writeFormed(out: ChunkBuilder, op: FormedOp): void {
  const idBytes = Buffer.from(op.id, 'utf8');
  const length = 3 + idBytes.length + runsBytes(op.runs);
  const { slab, offset } = out.reserve(RECORD_HEADER_BYTES + length);
  const payload = offset + RECORD_HEADER_BYTES;
  slab[payload] = RecordType.Formed;
  slab.writeUInt16LE(idBytes.length, payload + 1);
  idBytes.copy(slab, payload + 3);
  writeRuns(slab, payload + 3 + idBytes.length, op.runs);
  out.commit(sealRecord(slab, offset, length));
}

function writeRelease(out: ChunkBuilder, runs: SeqRuns): void {
  for (let from = 0; from < runs.length; from += 2 * RUNS_PER_RECORD) {
    const part = runs.slice(from, from + 2 * RUNS_PER_RECORD);
    const length = 1 + runsBytes(part);
    const { slab, offset } = out.reserve(RECORD_HEADER_BYTES + length);
    slab[offset + RECORD_HEADER_BYTES] = RecordType.Release;
    writeRuns(slab, offset + RECORD_HEADER_BYTES + 1, part);
    out.commit(sealRecord(slab, offset, length));
  }
}

/** The RELEASE records of `runs`, encoded at once (for open, which is synchronous). */
export function encodeReleases(runs: SeqRuns): Buffer[] {
  const out = new ChunkBuilder();
  if (runs.length > 0) writeRelease(out, runs);
  return out.finish();
}

/**
 * Encodes one group commit: an APPEND (or INVALID) record per event not yet
 * released, then the FORMED records in the order the batches were formed,
 * then the releases. Serialization happens here, off `append()`, in slices
 * with a turn of the event loop between them, so a large commit never holds
 * the loop for long.
 */
export async function encodeCommit(source: CommitSource): Promise<{ chunks: Buffer[]; byteLength: number }> {
  const out = new ChunkBuilder();
  for (let seq = source.fromSeq; seq < source.toSeq; ) {
    const sliceEnd = Math.min(source.toSeq, seq + SLICE_EVENTS);
    for (; seq < sliceEnd; seq++) {
      if (source.released.has(seq)) continue;
      if (!writeEvent(out, seq, source.eventAt(seq))) writeSeqRecord(out, RecordType.Invalid, seq);
    }
    if (seq < source.toSeq) await nextTurn();
  }
  for (const op of source.formed) writeFormed(out, op);
  if (source.releases.length > 0) writeRelease(out, source.releases);
  const chunks = out.finish();
  return { chunks, byteLength: out.byteLength };
}
