import type { EventEncoder } from './event-encoder.js';
import { isPlainFeatureEvent, stringifyIsPlain } from './plain-feature-event.js';

/**
 * Many events encoded at once into one buffer, the way a batch body and a
 * spool record need them: the valid events' JSON joined by commas, with where
 * each event lies. Runs of plain feature events are written by one native
 * `JSON.stringify` (see `plain-feature-event.ts`); every other event takes the
 * encoder's walk, which refuses it or writes it.
 */
export interface EncodedSlice {
  /** The valid events' JSON joined by ",", as UTF-8. */
  bytes: Buffer;
  /** Per event: where its JSON begins in `bytes`, or −1 when it was refused. */
  starts: Int32Array;
  /** Per event: where its JSON ends in `bytes` (exclusive); equal to its start when refused. */
  ends: Int32Array;
  /** Events refused, and why the first of them was. */
  invalid: number;
  problem: string | undefined;
}

/** Runs longer than this are cut: one string of ~25 KB keeps the young generation cheap. */
const MAX_RUN = 128;
/** Between two plain feature events in a run; it cannot occur inside one (see `runOffsets`). */
const BOUNDARY = '},{"kind":"feature"';
const COMMA = 0x2c;

/** One piece of the output: a run's `[...]` text, or one event's text. */
interface Piece {
  text: string;
  /** Index of its first event in the slice; a run covers `offsets.length / 2` events. */
  first: number;
  /** For a run: each event's start and end in `text` (characters), pairwise. */
  offsets: number[] | undefined;
  ascii: boolean;
  byteLength: number;
}

/**
 * Where each event of a run's `[e1,...,en]` text begins and ends. A plain
 * feature event is flat (its one map holds primitives) and quotes inside its
 * strings are escaped, so BOUNDARY occurs only between two events; undefined
 * when the count does not match (an accessor that answered differently the
 * second time), and the run's events then take the walk one by one.
 */
function runOffsets(text: string, events: number): number[] | undefined {
  const offsets: number[] = [1];
  let at = text.indexOf(BOUNDARY, 1);
  while (at !== -1) {
    offsets.push(at + 1, at + 2);
    at = text.indexOf(BOUNDARY, at + 2);
  }
  offsets.push(text.length - 1);
  return offsets.length === 2 * events ? offsets : undefined;
}

function piece(text: string, first: number, offsets: number[] | undefined): Piece {
  const byteLength = Buffer.byteLength(text, 'utf8');
  return { text, first, offsets, ascii: byteLength === text.length, byteLength };
}

/**
 * Encodes `events` (each exactly once), in order. Never throws for a bad event.
 * `frame` is written around them in the same buffer (a whole body in one allocation).
 */
export function encodeSlice(encoder: EventEncoder, events: readonly unknown[], frame?: { head: string; tail: string }): EncodedSlice {
  const count = events.length;
  const starts = new Int32Array(count).fill(-1);
  const ends = new Int32Array(count);
  const pieces: Piece[] = [];
  let invalid = 0;
  let problem: string | undefined;
  const fast = stringifyIsPlain();

  const walk = (i: number): void => {
    const text = encoder.encode(events[i]);
    if (text !== undefined) {
      pieces.push(piece(text, i, undefined));
      return;
    }
    invalid++;
    problem ??= encoder.problem;
  };
  const flushRun = (from: number, to: number): void => {
    if (to > from) {
      const run = events.slice(from, to);
      let text: string | undefined;
      try {
        text = JSON.stringify(run);
      } catch {
        // A getter that threw or changed its answer: the walk says which event is at fault.
      }
      const offsets = text === undefined ? undefined : runOffsets(text, run.length);
      if (text !== undefined && offsets !== undefined) {
        pieces.push(piece(text, from, offsets));
        return;
      }
    }
    for (let i = from; i < to; i++) walk(i);
  };

  let runStart = 0;
  for (let i = 0; i < count; i++) {
    if (fast && isPlainFeatureEvent(events[i])) {
      if (i - runStart === MAX_RUN) {
        flushRun(runStart, i);
        runStart = i;
      }
      continue;
    }
    flushRun(runStart, i);
    walk(i);
    runStart = i + 1;
  }
  flushRun(runStart, count);
  return { bytes: write(pieces, starts, ends, frame), starts, ends, invalid, problem };
}

/** Lays the pieces end to end, commas between, inside `frame`, filling in each event's place. */
function write(pieces: readonly Piece[], starts: Int32Array, ends: Int32Array, frame: { head: string; tail: string } | undefined): Buffer {
  const head = frame === undefined ? 0 : Buffer.byteLength(frame.head, 'utf8');
  const tail = frame === undefined ? 0 : Buffer.byteLength(frame.tail, 'utf8');
  let size = head + tail + 1;
  for (const p of pieces) size += (p.offsets === undefined ? p.byteLength : p.byteLength - 2) + 1;
  // A byte of room on each side: a run's "[" lands where the comma before it goes, its "]" where the next one does.
  const room = Buffer.allocUnsafe(size);
  let comma = head;
  for (let k = 0; k < pieces.length; k++) {
    const p = pieces[k]!;
    if (p.offsets === undefined) {
      room.write(p.text, comma + 1, p.ascii ? 'latin1' : 'utf8');
      starts[p.first] = comma;
      ends[p.first] = comma + p.byteLength;
    } else {
      // ASCII is the same bytes in Latin-1, which V8 copies without transcoding.
      room.write(p.text, comma, p.ascii ? 'latin1' : 'utf8');
      placeRun(p, p.offsets, comma - 1, starts, ends);
    }
    if (k > 0) room[comma] = COMMA;
    comma += (p.offsets === undefined ? p.byteLength : p.byteLength - 2) + 1;
  }
  if (frame === undefined) return room.subarray(1, Math.max(1, comma));
  // The head goes in last: the first run's "[" was written over its last byte.
  room.write(frame.head, 1, 'utf8');
  const end = Math.max(head + 1, comma);
  room.write(frame.tail, end, 'utf8');
  return room.subarray(1, end + tail);
}

/** Each event of a run, from character offsets in its text to byte offsets in the slice (`base` is where the text begins). */
function placeRun(p: Piece, offsets: readonly number[], base: number, starts: Int32Array, ends: Int32Array): void {
  let char = 0;
  let byte = 0;
  for (let e = 0; e < offsets.length; e++) {
    const to = offsets[e]!;
    byte += p.ascii ? to - char : Buffer.byteLength(p.text.slice(char, to), 'utf8');
    char = to;
    if (e % 2 === 0) starts[p.first + e / 2] = base + byte;
    else ends[p.first + (e - 1) / 2] = base + byte;
  }
}
