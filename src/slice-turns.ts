/**
 * Turns of the event loop for the library's sliced work: forming batches,
 * hashing and writing bodies, spool commits. Each job bounds its own slice,
 * but slices of different jobs waiting on `setImmediate` all run in the same
 * turn and add up: a formation slice, a hash slice and a body write together
 * held the loop twice as long as any one of them. Here one slice is granted
 * per turn, in the order asked, so the host gets the loop back between any two.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

function grant(): void {
  scheduled = false;
  const next = waiting.shift();
  // Asked now, the next grant runs on the next turn, after the loop's timers and I/O.
  if (waiting.length > 0) schedule();
  next?.();
}

function schedule(): void {
  scheduled = true;
  setImmediate(grant);
}

/** Resolves on a later turn of the event loop, when this slice's turn comes. */
export function nextSlice(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) schedule();
  });
}

/**
 * The bytes of `chunks` in order, in pieces of at most `bytesPerTurn` (views,
 * never copies), with a turn of the event loop after every `bytesPerTurn`:
 * how a body is hashed and written without holding the loop in one piece.
 */
export async function* piecesByTurn(chunks: readonly Uint8Array[], bytesPerTurn: number): AsyncGenerator<Uint8Array> {
  let sinceTurn = 0;
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += bytesPerTurn) {
      const piece = at === 0 && chunk.length <= bytesPerTurn ? chunk : chunk.subarray(at, at + bytesPerTurn);
      yield piece;
      sinceTurn += piece.length;
      if (sinceTurn >= bytesPerTurn) {
        sinceTurn = 0;
        await nextSlice();
      }
    }
  }
}
