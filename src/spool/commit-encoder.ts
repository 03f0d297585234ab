import { nextSlice } from '../slice-turns.js';
import type { ExportableEvent } from '../events.js';
import { encodeSlice, type EncodedSlice } from '../encoded-slice.js';
import { EventEncoder } from '../event-encoder.js';
import {
  MAX_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  RecordType,
  runsBytes,
  sealRecord,
  writeRuns,
} from './record-format.js';
import { pushRun, type SeqRangeSet, type SeqRuns } from './seq-runs.js';

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
/** Events encoded together (long runs are what makes encoding cheap). */
const GROUP_EVENTS = 256;
/** Events and bytes of JSON per EVENTS record, at most (an event alone may pass the bytes). */
const RECORD_EVENTS = 64;
const GROUP_BYTES = 64 * 1024;
/** An event whose JSON is longer is stored as invalid: it must fit a record. */
const MAX_EVENT_BYTES = MAX_PAYLOAD_BYTES - 64 * 1024;
const COMMA = 0x2c;
/** Events serialized between two turns of the event loop: about a millisecond of work. */
const SLICE_EVENTS = 512;
const RUNS_PER_RECORD = 64 * 1024;

/** Records laid end to end in a few large buffers (and views of encoded events), written with one writev. */
class ChunkBuilder {
  readonly chunks: Buffer[] = [];
  byteLength = 0;
  private slab = Buffer.allocUnsafe(0);
  /** Bytes of the slab already in `chunks`, and bytes written to it. */
  private pushed = 0;
  private used = 0;

  /** A slab with `bytes` free at the returned offset; call `commit` with what was used. */
  reserve(bytes: number): { slab: Buffer; offset: number } {
    if (this.slab.length - this.used < bytes) {
      this.flushSlab();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
      this.pushed = 0;
      this.used = 0;
    }
    return { slab: this.slab, offset: this.used };
  }

  commit(end: number): void {
    this.byteLength += end - this.used;
    this.used = end;
  }

  /** Bytes that go out as they are, after what was committed so far: no copy. */
  attach(bytes: Buffer): void {
    this.flushSlab();
    this.chunks.push(bytes);
    this.byteLength += bytes.length;
  }

  finish(): Buffer[] {
    this.flushSlab();
    return this.chunks;
  }

  private flushSlab(): void {
    if (this.used > this.pushed) this.chunks.push(this.slab.subarray(this.pushed, this.used));
    this.pushed = this.used;
  }
}

/** Where a committed group's JSON lies, so batch bodies can be cut from the bytes written. */
export interface EncodedGroup {
  runs: SeqRuns;
  /** The group's valid events' JSON joined by ",". */
  text: Buffer;
  /** Byte range in `text` of each event (in runs order); start −1 when it was invalid. */
  starts: Int32Array;
  ends: Int32Array;
}

/** Events gathered for EVENTS records, encoded together when the group is full. */
class EventGroup {
  private seqs: number[] = [];
  private events: ExportableEvent[] = [];
  private readonly encoder = new EventEncoder();

  add(seq: number, event: ExportableEvent): void {
    this.seqs.push(seq);
    this.events.push(event);
  }

  get full(): boolean {
    return this.events.length >= GROUP_EVENTS;
  }

  /** Encodes the group, writes it as records of at most GROUP_BYTES of JSON, and empties it. */
  flush(out: ChunkBuilder, groups: EncodedGroup[] | undefined): void {
    const count = this.events.length;
    if (count === 0) return;
    const slice = encodeSlice(this.encoder, this.events);
    // Invalid, or too large for a record: stored with length 0 (counted invalid if replayed).
    const lengths = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const length = slice.ends[i]! - slice.starts[i]!;
      lengths[i] = slice.starts[i] === -1 || length > MAX_EVENT_BYTES ? 0 : length;
    }
    for (let first = 0; first < count; ) {
      let last = first;
      let text = 0;
      for (; last < count; last++) {
        const more = lengths[last]! === 0 ? 0 : lengths[last]! + (text > 0 ? 1 : 0);
        if (last > first && (text + more > GROUP_BYTES || last - first >= RECORD_EVENTS)) break;
        text += more;
      }
      writeEvents(out, groups, slice, lengths, this.seqs, first, last, text);
      first = last;
    }
    this.seqs = [];
    this.events = [];
  }
}

/** The kept events' bytes in the slice when they lie back to back (commas between), else undefined. */
function contiguousText(slice: EncodedSlice, lengths: Int32Array, first: number, last: number): Buffer | undefined {
  let from = -1;
  let to = -1;
  for (let i = first; i < last; i++) {
    if (lengths[i] === 0) continue;
    if (from !== -1 && slice.starts[i] !== to + 1) return undefined;
    if (from === -1) from = slice.starts[i]!;
    to = slice.ends[i]!;
  }
  return from === -1 ? undefined : slice.bytes.subarray(from, to);
}

/** One EVENTS record for events [first, last) of an encoded slice; `text` bytes of their JSON joined by ",". */
function writeEvents(
  out: ChunkBuilder,
  groups: EncodedGroup[] | undefined,
  slice: EncodedSlice,
  lengths: Int32Array,
  seqs: readonly number[],
  first: number,
  last: number,
  text: number,
): void {
  const count = last - first;
  const runs: SeqRuns = [];
  for (let i = first; i < last; i++) pushRun(runs, seqs[i]!, seqs[i]! + 1);
  // Usually the text is one stretch of the slice: written from there, not copied.
  const view = contiguousText(slice, lengths, first, last);
  const { slab, offset } = out.reserve(RECORD_HEADER_BYTES + 1 + runsBytes(runs) + 4 * count + (view ? 0 : text));
  const payload = offset + RECORD_HEADER_BYTES;
  slab[payload] = RecordType.Events;
  const lengthsAt = writeRuns(slab, payload + 1, runs);
  const textAt = lengthsAt + 4 * count;
  const starts = groups ? new Int32Array(count) : undefined;
  const ends = groups ? new Int32Array(count) : undefined;
  let at = textAt;
  let position = 0;
  for (let i = first; i < last; i++) {
    const length = lengths[i]!;
    slab.writeUInt32LE(length, lengthsAt + 4 * (i - first));
    if (starts && ends) {
      starts[i - first] = length === 0 ? -1 : position;
      ends[i - first] = position + length;
    }
    if (length === 0) continue;
    position += length + 1;
    if (view) continue;
    if (at > textAt) slab[at++] = COMMA;
    at += slice.bytes.copy(slab, at, slice.starts[i]!, slice.ends[i]!);
  }
  if (view) {
    out.commit(sealRecord(slab, offset, textAt - payload, view));
    out.attach(view);
  } else {
    out.commit(sealRecord(slab, offset, textAt - payload + text));
  }
  if (groups && starts && ends) groups.push({ runs, text: view ?? slab.subarray(textAt, textAt + text), starts, ends });
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
 * Encodes one group commit: EVENTS records for the events not yet
 * released, then the FORMED records in the order the batches were formed,
 * then the releases. Serialization happens here, off `append()`, in slices
 * with a turn of the event loop between them, so a large commit never holds
 * the loop for long.
 */
export async function encodeCommit(
  source: CommitSource,
  keepGroups = false,
): Promise<{ chunks: Buffer[]; byteLength: number; groups: EncodedGroup[] }> {
  const out = new ChunkBuilder();
  const group = new EventGroup();
  const groups: EncodedGroup[] | undefined = keepGroups ? [] : undefined;
  for (let seq = source.fromSeq; seq < source.toSeq; ) {
    const sliceEnd = Math.min(source.toSeq, seq + SLICE_EVENTS);
    for (; seq < sliceEnd; seq++) {
      if (source.released.has(seq)) continue;
      group.add(seq, source.eventAt(seq));
      if (group.full) group.flush(out, groups);
    }
    group.flush(out, groups);
    if (seq < source.toSeq) await nextSlice();
  }
  for (const op of source.formed) writeFormed(out, op);
  if (source.releases.length > 0) writeRelease(out, source.releases);
  const chunks = out.finish();
  return { chunks, byteLength: out.byteLength, groups: groups ?? [] };
}
