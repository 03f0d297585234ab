/**
 * Reading a node:http request body within the receiver's limits (SPEC §6,
 * issue 12 item 6): the size limit (413), the byte budget shared by all
 * requests (503) and the body timeout (408); and gzip within the limit (§11).
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { BUSY, NOT_GZIP, TOO_LARGE, type Answer, type Inflated } from './receiver-checks.js';
import type { BudgetShare } from './receiver-limits.js';

/** The raw body; or the answer refusing it, undefined when the client went away first. */
export type RawBody = { ok: true; raw: Buffer } | { ok: false; answer: Answer | undefined };

export interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeout: number;
}

/** Reads the whole body, refusing it as soon as a limit is passed (the rest is never buffered). */
export function readNodeBody(req: IncomingMessage, limits: BodyLimits, share: BudgetShare): Promise<RawBody> {
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBodyBytes) return Promise.resolve({ ok: false, answer: TOO_LARGE });
  if (declared > 0 && !share.fits(declared)) return Promise.resolve({ ok: false, answer: BUSY });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (result: RawBody): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('aborted', onGone).off('close', onGone);
      chunks.length = 0;
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) return settle({ ok: false, answer: TOO_LARGE });
      if (!share.take(chunk.length)) return settle({ ok: false, answer: BUSY });
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const raw = Buffer.concat(chunks, size);
      settle({ ok: true, raw });
    };
    const onGone = (): void => {
      if (!req.complete) settle({ ok: false, answer: undefined });
    };
    const timer = setTimeout(() => {
      settle({ ok: false, answer: { status: 408, message: `the body did not arrive within bodyTimeout (${limits.bodyTimeout} ms)`, close: true } });
    }, limits.bodyTimeout);
    req.on('data', onData).on('end', onEnd).on('aborted', onGone).on('close', onGone);
  });
}

/**
 * Decompresses a gzip body, stopping as soon as the decompressed bytes pass
 * `maxBytes` (413) or the budget (503): a zip bomb never inflates further
 * than the limit and one chunk.
 */
export function inflateNodeGzip(raw: Uint8Array, maxBytes: number, share: BudgetShare): Promise<Inflated> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let inflatedBytes = 0;
    let done = false;
    const finish = (result: { ok: true; body: Uint8Array } | { ok: false; answer: Answer }): void => {
      if (done) return;
      done = true;
      chunks.length = 0;
      gunzip.destroy();
      resolve({ ...result, inflatedBytes });
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (done) return;
      inflatedBytes += chunk.length;
      if (inflatedBytes > maxBytes) return finish({ ok: false, answer: { ...TOO_LARGE, close: false } });
      if (!share.take(chunk.length)) return finish({ ok: false, answer: { ...BUSY, close: false } });
      chunks.push(chunk);
    });
    gunzip.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, inflatedBytes) }));
    gunzip.on('error', () => finish({ ok: false, answer: NOT_GZIP }));
    gunzip.end(raw);
  });
}
