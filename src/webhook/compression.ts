import { gzip } from 'node:zlib';

/** The header value a compressed body is sent with. */
export const GZIP_ENCODING = 'gzip';

/**
 * Gzips a body on libuv's thread pool (zlib's async API), off the event
 * loop. zlib is deterministic for the same input and level, so a body
 * compressed again would give the same bytes; the transport still caches
 * one per body so in-call retries do not compress twice.
 */
export function gzipBody(body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gzip(body, (error, compressed) => (error ? reject(error) : resolve(compressed)));
  });
}
