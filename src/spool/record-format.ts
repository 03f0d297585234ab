import zlib from 'node:zlib';
import { runsLength, type SeqRuns } from './seq-runs.js';

/**
 * The on-disk format of spool segments. A segment is a header and then
 * records, appended and never rewritten:
 *
 *   header: "FFWHSPL1" | u16 version | u16 0 | f64 startSeq | u32 crc32(bytes 0..20)
 *   record: magic (4) | u32 crc32(len + payload) | u32 len | payload (len bytes)
 *   payload: u8 type, then by type
 *     EVENTS  runs, u32 byte length of each event's JSON (one per seq of
 *             the runs, in order; 0 for an event the JSON of SPEC §2 cannot
 *             carry, stored as invalid), then the JSON of the valid ones
 *             joined by ",": the inside of a JSON array, as a webhook body holds it
 *     FORMED  u16 id length, id (UTF-8), runs
 *     RELEASE runs
 *   runs: u32 count, then count × (f64 start, f64 end)
 *
 * Events go in groups (up to 64 and 64 KiB per record): one checksum and one write
 * per group costs a fraction of one per event, and damage still loses only
 * the group it hits. The JSON is joined as a webhook body joins it, so a
 * batch's body can be cut from the bytes written (see EncodedEvents).
 *
 * The record magic holds 0xFF and 0xC1, bytes that never occur in UTF-8, so
 * after a damaged stretch the reader finds the next record by searching for
 * it instead of trying a checksum at every byte. Numbers are little-endian;
 * seqs are f64, exact up to 2^53.
 */

/** The first 8 bytes of every segment file. */
export const SEGMENT_MAGIC = Buffer.from('FFWHSPL1', 'latin1');
/** Bumped on any change of layout; a segment of another version is not read. */
export const FORMAT_VERSION = 1;
/** Size of a segment header. */
export const HEADER_BYTES = 24;
/** The first 4 bytes of every record. */
export const RECORD_MAGIC = Buffer.from([0xff, 0xc1, 0x53, 0x0a]);
/** Magic, checksum and length before each record's payload. */
export const RECORD_HEADER_BYTES = 12;
/** No record is longer; a length field above it is damage, not a record. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** The first byte of a record's payload. */
export const enum RecordType {
  Events = 1,
  Formed = 3,
  Release = 4,
}

/** A record once read and verified. */
export type SpoolRecord =
  /** `lines[i]` is the JSON of the i-th seq of `runs`; '' when that event was invalid. */
  | { type: RecordType.Events; runs: SeqRuns; lines: string[] }
  | { type: RecordType.Formed; id: string; runs: SeqRuns }
  | { type: RecordType.Release; runs: SeqRuns };

/** Node's native crc32 (from 20.15 / 22.2), else a table-driven one. */
export const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? zlib.crc32 : tableCrc32;

let table: Uint32Array | undefined;

function tableCrc32(data: Uint8Array, value = 0): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** A segment header; its records name only seqs below the next segment's `startSeq`. */
export function encodeHeader(startSeq: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeUInt16LE(FORMAT_VERSION, 8);
  header.writeDoubleLE(startSeq, 12);
  header.writeUInt32LE(crc32(header.subarray(0, 20)), 20);
  return header;
}

/** The start seq a segment header holds, or undefined when it is not a valid header. */
export function decodeHeader(bytes: Buffer): number | undefined {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(SEGMENT_MAGIC)) return undefined;
  if (bytes.readUInt32LE(20) !== crc32(bytes.subarray(0, 20))) return undefined;
  if (bytes.readUInt16LE(8) !== FORMAT_VERSION) return undefined;
  const start = bytes.readDoubleLE(12);
  return Number.isSafeInteger(start) && start >= 0 ? start : undefined;
}

/** What the reader found at an offset: a record and its size, or why not. */
export type ReadResult =
  | { kind: 'record'; record: SpoolRecord; size: number }
  /**
   * The bytes end inside what looks like a record: a write cut short. `maxSeq`
   * is the greatest seq it names, when the bytes that name its events survived.
   */
  | { kind: 'torn'; maxSeq?: number }
  | { kind: 'bad' };

const TORN: ReadResult = { kind: 'torn' };
const BAD: ReadResult = { kind: 'bad' };

function isSeq(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Runs at `offset`, and where they end; undefined when malformed. */
function readRuns(payload: Buffer, offset: number): { runs: SeqRuns; end: number } | undefined {
  if (offset + 4 > payload.length) return undefined;
  const count = payload.readUInt32LE(offset);
  const end = offset + 4 + count * 16;
  if (count === 0 || end > payload.length) return undefined;
  const runs: SeqRuns = [];
  for (let at = offset + 4; at < end; at += 16) {
    const start = payload.readDoubleLE(at);
    const stop = payload.readDoubleLE(at + 8);
    if (!isSeq(start) || !isSeq(stop) || start >= stop) return undefined;
    runs.push(start, stop);
  }
  return { runs, end };
}

/** The JSON of each event of an EVENTS payload ('' for an invalid one), checked against the lengths. */
function readLines(payload: Buffer, offset: number, count: number): string[] | undefined {
  let at = offset + 4 * count;
  if (at > payload.length) return undefined;
  const lines: string[] = [];
  let valid = 0;
  for (let i = 0; i < count; i++) {
    const length = payload.readUInt32LE(offset + 4 * i);
    if (length === 0) {
      lines.push('');
      continue;
    }
    if (valid++ > 0) {
      if (payload[at] !== 0x2c) return undefined; // the ',' between two events
      at++;
    }
    if (at + length > payload.length) return undefined;
    lines.push(payload.toString('utf8', at, at + length));
    at += length;
  }
  return at === payload.length ? lines : undefined;
}

function decodePayload(payload: Buffer): SpoolRecord | undefined {
  switch (payload[0]) {
    case RecordType.Events: {
      const read = readRuns(payload, 1);
      if (read === undefined) return undefined;
      const count = runsLength(read.runs);
      const lines = readLines(payload, read.end, count);
      return lines ? { type: RecordType.Events, runs: read.runs, lines } : undefined;
    }
    case RecordType.Formed: {
      if (payload.length < 3) return undefined;
      const idLength = payload.readUInt16LE(1);
      if (idLength === 0 || 3 + idLength > payload.length) return undefined;
      const read = readRuns(payload, 3 + idLength);
      if (read === undefined || read.end !== payload.length) return undefined;
      return { type: RecordType.Formed, id: payload.toString('utf8', 3, 3 + idLength), runs: read.runs };
    }
    case RecordType.Release: {
      const read = readRuns(payload, 1);
      return read !== undefined && read.end === payload.length ? { type: RecordType.Release, runs: read.runs } : undefined;
    }
    default:
      return undefined;
  }
}

/** A torn record; an EVENTS record still names its events when its runs survived. */
function tornAt(bytes: Buffer, offset: number): ReadResult {
  const payload = bytes.subarray(offset + RECORD_HEADER_BYTES);
  if (payload[0] !== RecordType.Events) return TORN;
  const read = readRuns(payload, 1);
  return read === undefined ? TORN : { kind: 'torn', maxSeq: read.runs[read.runs.length - 1]! - 1 };
}

/** Reads the record at `offset` of a segment's bytes. */
export function readRecord(bytes: Buffer, offset: number): ReadResult {
  const available = bytes.length - offset;
  const magicBytes = Math.min(available, RECORD_MAGIC.length);
  if (bytes.compare(RECORD_MAGIC, 0, magicBytes, offset, offset + magicBytes) !== 0) return BAD;
  if (available < RECORD_HEADER_BYTES) return TORN;
  const length = bytes.readUInt32LE(offset + 8);
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return BAD;
  if (available < RECORD_HEADER_BYTES + length) return tornAt(bytes, offset);
  const end = offset + RECORD_HEADER_BYTES + length;
  if (bytes.readUInt32LE(offset + 4) !== crc32(bytes.subarray(offset + 8, end))) return BAD;
  const record = decodePayload(bytes.subarray(offset + RECORD_HEADER_BYTES, end));
  return record ? { kind: 'record', record, size: RECORD_HEADER_BYTES + length } : BAD;
}

/** Bytes a runs list takes in a payload. */
export function runsBytes(runs: SeqRuns): number {
  return 4 + (runs.length / 2) * 16;
}

/** Writes `runs` at `offset`; returns the offset after them. */
export function writeRuns(target: Buffer, offset: number, runs: SeqRuns): number {
  target.writeUInt32LE(runs.length / 2, offset);
  let at = offset + 4;
  for (let i = 0; i < runs.length; i++, at += 8) target.writeDoubleLE(runs[i]!, at);
  return at;
}

/**
 * Fills in magic, checksum and length of a record whose payload is already at
 * `offset + 12`, `payloadLength` bytes of it there and `rest` (written right
 * after it in the file) the remainder. Returns where the bytes in `target` end.
 */
export function sealRecord(target: Buffer, offset: number, payloadLength: number, rest?: Uint8Array): number {
  RECORD_MAGIC.copy(target, offset);
  target.writeUInt32LE(payloadLength + (rest?.length ?? 0), offset + 8);
  const end = offset + RECORD_HEADER_BYTES + payloadLength;
  const crc = crc32(target.subarray(offset + 8, end));
  target.writeUInt32LE(rest === undefined ? crc : crc32(rest, crc), offset + 4);
  return end;
}
