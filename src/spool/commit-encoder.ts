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
/** Events per EVENTS record, and the characters past which a group is closed early. */
const GROUP_EVENTS = 64;
const GROUP_CHARS = 64 * 1024;
/** An event whose JSON is longer is stored as invalid: three bytes a character must fit a record. */
const MAX_EVENT_CHARS = Math.floor((MAX_PAYLOAD_BYTES - 64 * 1024) / 3);
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

/** Where a committed group's JSON lies, so batch bodies can be cut from the bytes written. */
export interface EncodedGroup {
  runs: SeqRuns;
  /** The group's valid events' JSON joined by ",". */
  text: Buffer;
  /** Byte range in `text` of each event (in runs order); start −1 when it was invalid. */
  starts: Int32Array;
  ends: Int32Array;
}

/** Events of one EVENTS record, gathered until the group is full. */
class EventGroup {
  runs: SeqRuns = [];
  /** Each event's JSON, '' when invalid. */
  lines: string[] = [];
  valid: string[] = [];
  chars = 0;

  add(seq: number, event: ExportableEvent): void {
    const json = serializeEvent(event);
    // Invalid, or too large for a record: stored with length 0 (counted invalid if replayed).
    const line = json === undefined || json.length > MAX_EVENT_CHARS ? '' : json;
    pushRun(this.runs, seq, seq + 1);
    this.lines.push(line);
    if (line !== '') this.valid.push(line);
    this.chars += line.length + 1;
  }

  get full(): boolean {
    return this.lines.length >= GROUP_EVENTS || this.chars >= GROUP_CHARS;
  }

  /** Writes the group as one record and empties it; describes where its JSON went when `groups` is given. */
  flush(out: ChunkBuilder, groups: EncodedGroup[] | undefined): void {
    const count = this.lines.length;
    if (count === 0) return;
    // Joining flattens the serializer's strings once; ASCII (the usual case) is then copied byte for byte.
    const text = this.valid.join(',');
    const ascii = Buffer.byteLength(text) === text.length;
    const { slab, offset } = out.reserve(
      RECORD_HEADER_BYTES + 1 + runsBytes(this.runs) + 4 * count + (ascii ? text.length : text.length * 3),
    );
    const payload = offset + RECORD_HEADER_BYTES;
    slab[payload] = RecordType.Events;
    const lengthsAt = writeRuns(slab, payload + 1, this.runs);
    const textAt = lengthsAt + 4 * count;
    const starts = groups ? new Int32Array(count) : undefined;
    const ends = groups ? new Int32Array(count) : undefined;
    for (let i = 0, at = 0; i < count; i++) {
      const line = this.lines[i]!;
      const length = line === '' ? 0 : ascii ? line.length : Buffer.byteLength(line);
      slab.writeUInt32LE(length, lengthsAt + 4 * i);
      if (starts && ends) {
        starts[i] = length === 0 ? -1 : at;
        ends[i] = at + length;
      }
      if (length > 0) at += length + 1;
    }
    const written = slab.write(text, textAt, ascii ? 'latin1' : 'utf8');
    out.commit(sealRecord(slab, offset, textAt - payload + written));
    if (groups && starts && ends) groups.push({ runs: this.runs, text: slab.subarray(textAt, textAt + written), starts, ends });
    this.runs = [];
    this.lines = [];
    this.valid = [];
    this.chars = 0;
  }
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
    if (seq < source.toSeq) await nextTurn();
  }
  for (const op of source.formed) writeFormed(out, op);
  if (source.releases.length > 0) writeRelease(out, source.releases);
  const chunks = out.finish();
  return { chunks, byteLength: out.byteLength, groups: groups ?? [] };
}
