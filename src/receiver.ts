import type { IncomingMessage, ServerResponse } from 'node:http';
import { inflateNodeGzip, readNodeBody } from './receiver-body.js';
import { CONSUMED, answerDelivery, contentEncoding, type Answer, type DeliveryContext } from './receiver-checks.js';
import { BudgetShare, ByteBudget, ReplayGuard } from './receiver-limits.js';
import { resolveReceiverOptions, type ReceiverOptions } from './receiver-options.js';
import { verifyWebhook } from './verify-webhook.js';

export type { WebhookPayload, BatchInfo } from './payload.js';
export { payloadProblem } from './payload.js';
export type { ReceiverOptions, DedupeOptions } from './receiver-options.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_DEDUPE_WINDOW_MS,
  DEFAULT_DEDUPE_MAX_IDS,
} from './receiver-options.js';

function reply(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  if (res.headersSent) return;
  const body = answer.message === undefined ? undefined : answer.message + '\n';
  const headers: Record<string, string> = { ...answer.headers };
  if (body !== undefined) headers['Content-Type'] = 'text/plain; charset=utf-8';
  if (answer.close === true) {
    // Refused before the body was read: close rather than read (or wait for) the rest.
    headers.Connection = 'close';
    req.unpipe();
    req.pause();
    res.once('finish', () => req.socket.destroy());
  }
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** True when something (a body parser) already read this request's body: it will never come again. */
function bodyAlreadyRead(req: IncomingMessage): boolean {
  return req.readableEnded || req.readableDidRead;
}

/**
 * A `node:http` request handler for webhook deliveries (SPEC §6, §9, §11).
 * Checks, in order: method (405), a body already read by a body parser (500),
 * Content-Encoding (415), size (413) and the buffered-bytes cap (503) while
 * reading within `bodyTimeout` (408), signature when a secret is set (401),
 * the decompressed size of a gzip body (413), JSON and shape (400), a replayed
 * `webhook-id` with `dedupe` (200, not processed again); then calls `onBatch`
 * and answers 204 (500 if it fails). It never throws and never crashes the server.
 */
export function createReceiver(options: ReceiverOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const resolved = resolveReceiverOptions('createReceiver', options);
  const budget = new ByteBudget(resolved.maxBufferedBytes);
  const context: DeliveryContext = {
    options: resolved,
    guard: resolved.dedupe === undefined ? undefined : new ReplayGuard(resolved.dedupe.window, resolved.dedupe.maxIds),
    verify: (raw, headers) => verifyWebhook(raw, headers, { secret: resolved.secrets ?? [], tolerance: resolved.tolerance, signatureScheme: resolved.signatureScheme }),
    inflate: (raw, share) => inflateNodeGzip(raw, resolved.maxBodyBytes, share),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, share: BudgetShare): Promise<Answer | undefined> => {
    if (req.method !== 'POST') return { status: 405, message: 'only POST is accepted', headers: { Allow: 'POST' } };
    if (bodyAlreadyRead(req)) return CONSUMED;
    const encoding = contentEncoding(req.headersDistinct);
    if (typeof encoding !== 'string') return { ...encoding, close: true };
    const body = await readNodeBody(req, resolved, share);
    if (!body.ok) return body.answer;
    if (res.destroyed) return undefined;
    return answerDelivery(body.raw, req.headersDistinct, encoding, share, context);
  };

  return (req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const share = new BudgetShare(budget);
    handle(req, res, share)
      .catch((): Answer => ({ status: 500, message: 'the delivery could not be processed' }))
      .then((answer) => {
        share.release();
        if (answer === undefined) res.destroy();
        else reply(req, res, answer);
      })
      .catch(() => undefined);
  };
}
