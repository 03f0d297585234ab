import { createGzip } from 'node:zlib';

/** The header value a compressed body is sent with. */
export const GZIP_ENCODING = 'gzip';

/**
 * Gzips a body given in chunks through a zlib stream, whose work runs on
 * libuv's thread pool: the chunks are never joined on the event loop. zlib
 * is deterministic for the same input and level, so the bytes are the same
 * whenever it is done; the transport still keeps one per body so in-call
 * retries do not compress twice.
 */
export function gzipBody(body: readonly Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip();
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.once('error', reject);
    gzip.once('end', () => resolve(Buffer.concat(out)));
    for (const chunk of body) gzip.write(chunk);
    gzip.end();
  });
}
