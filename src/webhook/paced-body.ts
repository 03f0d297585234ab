import { nextSlice } from '../slice-turns.js';
import { Readable } from 'node:stream';

/**
 * Bytes handed to the socket per turn of the event loop. The HTTP client corks
 * the socket and writes what arrived in one tick with one `writev`: a whole
 * 4 MiB body at once is a copy into the kernel that holds the loop ~20 ms.
 */
export const BYTES_PER_TURN = 256 * 1024;

async function* turnByTurn(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  let sinceTurn = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += BYTES_PER_TURN) {
      const piece = at === 0 && chunk.length <= BYTES_PER_TURN ? chunk : chunk.subarray(at, at + BYTES_PER_TURN);
      yield piece;
      sinceTurn += piece.length;
      if (sinceTurn >= BYTES_PER_TURN) {
        sinceTurn = 0;
        await nextSlice();
      }
    }
  }
}

/** A body's chunks as a stream that gives the event loop a turn every BYTES_PER_TURN bytes. */
export function pacedBody(chunks: readonly Uint8Array[]): Readable {
  return Readable.from(turnByTurn(chunks), { objectMode: false });
}
