/**
 * What both receivers do once the raw body is in hand (SPEC §6, §9, §11):
 * signature (401), decompression within the size limit (413), JSON and shape
 * (400), replay protection, then `onBatch` (204, or 500 when it fails).
 * Runtime-neutral: the node and fetch receivers pass their own verify and inflate.
 */
import { payloadProblem, type BatchInfo, type WebhookPayload } from './payload.js';
import type { BudgetShare, ReplayGuard } from './receiver-limits.js';
import type { ResolvedReceiverOptions } from './receiver-options.js';
import { headerValue, singleHeader, type WebhookHeaders, type WebhookVerification } from './webhook-headers.js';

/** A receiver's answer: a status, an optional plain-text reason and headers. */
export interface Answer {
  status: number;
  message?: string;
  headers?: Record<string, string>;
  /** Close the connection after answering (the rest of the body is not read). */
  close?: boolean;
}

/** The body, decompressed within the limit; or the answer that refuses it. */
export type Inflated = ({ ok: true; body: Uint8Array } | { ok: false; answer: Answer }) & {
  /** Decompressed bytes produced before stopping: at most the limit and one chunk. */
  inflatedBytes: number;
};

/** What a receiver brings to the checks. */
export interface DeliveryContext {
  options: ResolvedReceiverOptions;
  guard: ReplayGuard | undefined;
  verify(raw: Uint8Array, headers: WebhookHeaders): WebhookVerification | Promise<WebhookVerification>;
  /** Decompresses a gzip body, counting decompressed bytes against the limit and the share. */
  inflate(raw: Uint8Array, share: BudgetShare): Promise<Inflated>;
}

export const TOO_LARGE: Answer = { status: 413, message: 'body too large', close: true };
export const BUSY: Answer = {
  status: 503,
  message: 'too many request bodies buffered at once; try again later',
  headers: { 'Retry-After': '1' },
  close: true,
};
export const NOT_GZIP: Answer = { status: 400, message: 'the gzip body could not be decompressed' };
export const CONSUMED: Answer = {
  status: 500,
  message:
    'the request body was already read before the webhook receiver (by a body parser such as express.json()?): ' +
    'mount the receiver before any body parser, or verify the raw body with verifyWebhook',
};

/** The `Content-Encoding` of a request: none, gzip, or an answer refusing it (415). */
export function contentEncoding(headers: WebhookHeaders): 'identity' | 'gzip' | Answer {
  const header = headerValue(headers, 'content-encoding');
  if (header === undefined) return 'identity';
  if (typeof header !== 'string') return { status: 415, message: 'several Content-Encoding headers' };
  const value = header.trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  return { status: 415, message: 'unsupported Content-Encoding (only gzip is accepted)', headers: { 'Accept-Encoding': 'gzip' } };
}

/** Checks a fully received body and hands it to onBatch. Never rejects. */
export async function answerDelivery(
  raw: Uint8Array,
  headers: WebhookHeaders,
  encoding: 'identity' | 'gzip',
  share: BudgetShare,
  context: DeliveryContext,
): Promise<Answer> {
  const { options, guard } = context;
  let info: BatchInfo = { webhookId: singleHeader(headers, 'webhook-id') };
  if (options.secrets !== undefined) {
    // The signature covers the bytes sent: for gzip, the compressed body (SPEC §11).
    // Checked before decompressing, so an unsigned client cannot make the receiver inflate anything.
    const verified = await context.verify(raw, headers);
    if (!verified.ok) return { status: 401, message: verified.reason };
    info = { webhookId: verified.webhookId, scheme: verified.scheme };
  }
  let body = raw;
  if (encoding === 'gzip') {
    const inflated = await context.inflate(raw, share);
    if (!inflated.ok) return inflated.answer;
    body = inflated.body;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { ignoreBOM: true }).decode(body));
  } catch {
    return { status: 400, message: 'the body is not valid JSON' };
  }
  const problem = payloadProblem(payload);
  if (problem !== undefined) return { status: 400, message: problem };

  const id = guard === undefined ? undefined : info.webhookId;
  if (guard !== undefined && id !== undefined) {
    const state = guard.state(id);
    if (state === 'seen') return { status: 200, message: 'duplicate webhook-id: already processed, not processed again' };
    if (state === 'in-flight') return { status: 503, message: 'a delivery with this webhook-id is being processed', headers: { 'Retry-After': '1' } };
    guard.begin(id);
  }
  let processed = false;
  try {
    await options.onBatch(payload as WebhookPayload, info);
    processed = true;
    return { status: 204 };
  } catch {
    return { status: 500, message: 'the batch could not be processed' };
  } finally {
    if (guard !== undefined && id !== undefined) guard.end(id, processed);
  }
}
