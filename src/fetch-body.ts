/**
 * Reading a Fetch `Request` body within the receiver's limits (the same
 * limits and answers as the node:http receiver), and gzip through
 * `DecompressionStream`. No `node:` import: this runs on any fetch runtime.
 */
import { BUSY, NOT_GZIP, TOO_LARGE, type Answer, type Inflated } from './receiver-checks.js';
import type { BudgetShare } from './receiver-limits.js';

/** The raw body; or the answer refusing it, undefined when the client went away first. */
export type FetchBody = { ok: true; raw: Uint8Array } | { ok: false; answer: Answer | undefined };

type Reader = ReadableStreamDefaultReader<Uint8Array>;

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** One read, or 'timeout' once `deadline` (ms since epoch) has passed. */
function readBefore(reader: Reader, deadline: number): Promise<Awaited<ReturnType<Reader["read"]>> | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
}

/** Reads the whole body, refusing it as soon as a limit is passed (the rest is cancelled, never buffered). */
export async function readFetchBody(
  request: Request,
  limits: { maxBodyBytes: number; bodyTimeout: number },
  share: BudgetShare,
): Promise<FetchBody> {
  const declared = Number(request.headers.get('content-length'));
  if (declared > limits.maxBodyBytes) return { ok: false, answer: TOO_LARGE };
  if (declared > 0 && !share.fits(declared)) return { ok: false, answer: BUSY };
  if (request.body === null) return { ok: true, raw: new Uint8Array(0) };

  const reader = request.body.getReader();
  const deadline = Date.now() + limits.bodyTimeout;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const refuse = (answer: Answer | undefined): FetchBody => {
    reader.cancel().catch(() => undefined);
    return { ok: false, answer };
  };
  for (;;) {
    let result: Awaited<ReturnType<typeof readBefore>>;
    try {
      result = await readBefore(reader, deadline);
    } catch {
      return refuse(undefined); // the client went away
    }
    if (result === 'timeout') return refuse({ status: 408, message: `the body did not arrive within bodyTimeout (${limits.bodyTimeout} ms)` });
    if (result.done) return { ok: true, raw: concat(chunks, size) };
    const chunk = result.value;
    size += chunk.length;
    if (size > limits.maxBodyBytes) return refuse(TOO_LARGE);
    if (!share.take(chunk.length)) return refuse(BUSY);
    chunks.push(chunk);
  }
}

/** Decompresses a gzip body, stopping as soon as it passes `maxBytes` (413) or the budget (503). */
export async function inflateWebGzip(raw: Uint8Array, maxBytes: number, share: BudgetShare): Promise<Inflated> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(raw);
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let inflatedBytes = 0;
  const stop = (answer: Answer): Inflated => {
    reader.cancel().catch(() => undefined);
    return { ok: false, answer, inflatedBytes };
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { ok: true, body: concat(chunks, inflatedBytes), inflatedBytes };
      inflatedBytes += value.length;
      if (inflatedBytes > maxBytes) return stop(TOO_LARGE);
      if (!share.take(value.length)) return stop(BUSY);
      chunks.push(value);
    }
  } catch {
    return stop(NOT_GZIP);
  }
}
