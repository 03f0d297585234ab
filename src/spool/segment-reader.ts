import { HEADER_BYTES, RECORD_MAGIC, decodeHeader, readRecord, type SpoolRecord } from './record-format.js';

/** Segment files are named by a 16-digit index, ascending in the order they were created. */
export const SEGMENT_FILE = /^(\d{16})\.seg$/;

/** The file name of segment `index`. */
export function segmentFileName(index: number): string {
  return `${String(index).padStart(16, '0')}.seg`;
}

/** What one segment file holds, read and verified. */
export interface SegmentScan {
  index: number;
  name: string;
  /** The start seq of its header; undefined when the header is missing or damaged. */
  start: number | undefined;
  /** Every record whose checksum holds, in file order. */
  records: SpoolRecord[];
  /** The greatest seq any record (or a torn record at the end) names; −1 when none. */
  maxSeq: number;
  /** The least seq any record names; undefined when none. */
  minSeq: number | undefined;
  /** Offset just after the last good record: a torn or corrupt tail starts here. */
  goodEnd: number;
  size: number;
  /** Bytes skipped because no record could be read from them. */
  damagedBytes: number;
}

/** The least and greatest seq a record names (runs are ascending as written, but damage may say otherwise). */
function seqBounds(record: SpoolRecord): [number, number] {
  let low = Infinity;
  let high = -1;
  for (let i = 0; i < record.runs.length; i += 2) {
    low = Math.min(low, record.runs[i]!);
    high = Math.max(high, record.runs[i + 1]! - 1);
  }
  return [low, high];
}

/**
 * Reads every record of a segment. After damage (a checksum that fails, a
 * length that cannot be), it searches for the next record magic and goes on,
 * so one bad block costs only the records it covers; what follows the last
 * good record is the tail to cut.
 */
export function scanSegment(bytes: Buffer, index: number, name: string): SegmentScan {
  const start = decodeHeader(bytes);
  const scan: SegmentScan = {
    index,
    name,
    start,
    records: [],
    maxSeq: -1,
    minSeq: undefined,
    goodEnd: start === undefined ? 0 : HEADER_BYTES,
    size: bytes.length,
    damagedBytes: 0,
  };
  let offset = scan.goodEnd;
  let tornSeq: number | undefined;
  while (offset < bytes.length) {
    const result = readRecord(bytes, offset);
    if (result.kind === 'record') {
      scan.records.push(result.record);
      const [low, high] = seqBounds(result.record);
      if (high > scan.maxSeq) scan.maxSeq = high;
      if (scan.minSeq === undefined || low < scan.minSeq) scan.minSeq = low;
      offset += result.size;
      scan.goodEnd = offset;
      tornSeq = undefined;
      continue;
    }
    if (result.kind === 'torn' && result.maxSeq !== undefined) tornSeq = result.maxSeq;
    const next = bytes.indexOf(RECORD_MAGIC, offset + 1);
    const resume = next < 0 ? bytes.length : next;
    scan.damagedBytes += resume - offset;
    offset = resume;
  }
  // A record cut short at the very end still tells which event was being written.
  if (tornSeq !== undefined && tornSeq > scan.maxSeq) scan.maxSeq = tornSeq;
  return scan;
}
