import { piecesByTurn } from '../slice-turns.js';
import { Readable } from 'node:stream';

/**
 * Bytes handed to the socket per turn of the event loop. The HTTP client corks
 * the socket and writes what arrived in one tick with one `writev`: a whole
 * 4 MiB body at once is a copy into the kernel that holds the loop ~20 ms.
 */
export const BYTES_PER_TURN = 256 * 1024;

/** A body's chunks as a stream that gives the event loop a turn every BYTES_PER_TURN bytes. */
export function pacedBody(chunks: readonly Uint8Array[]): Readable {
  return Readable.from(piecesByTurn(chunks, BYTES_PER_TURN), { objectMode: false });
}
