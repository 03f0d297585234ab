import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExportableEvent } from './events.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/** A webhook body as GO Feature Flag's webhook exporter (and ours) sends it. */
export interface WebhookPayload {
  meta?: Record<string, string>;
  /** Checked only for shape: objects with a string `kind`. */
  events: ExportableEvent[];
}

/** What the receiver knows about a delivery besides its body. */
export interface BatchInfo {
  /** The `webhook-id` header: the same on every retry of a batch. */
  webhookId: string | undefined;
}

export interface ReceiverOptions {
  /** When set, requests must carry a valid `X-Hub-Signature-256` (else 401). */
  secret?: string;
  /** Larger bodies are answered 413 at once. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Called once per accepted batch; a throw or rejection answers 500 so the sender retries. */
  onBatch(payload: WebhookPayload, info: BatchInfo): void | Promise<void>;
}

/** Default body limit of a receiver. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

function reply(res: ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = message === undefined ? undefined : message + '\n';
  res.writeHead(status, body === undefined ? headers : { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** Answers 413 and closes the connection without reading the rest of the body. */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  reply(res, 413, 'body too large', { Connection: 'close' });
  req.unpipe();
  req.pause();
  res.once('finish', () => req.socket.destroy());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a parsed body is not a webhook payload, or undefined when it is. */
export function payloadProblem(payload: unknown): string | undefined {
  if (!isRecord(payload)) return 'the body must be a JSON object';
  if (payload.meta !== undefined && !isRecord(payload.meta)) return 'meta must be an object';
  if (!Array.isArray(payload.events)) return 'events must be an array';
  for (let i = 0; i < payload.events.length; i++) {
    const event: unknown = payload.events[i];
    if (!isRecord(event)) return `events[${i}] must be an object`;
    if (typeof event.kind !== 'string') return `events[${i}].kind must be a string`;
  }
  return undefined;
}

/** A header sent exactly once, else undefined: a repeated one (Node joins it with ", ") is never a valid signature or id. */
function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  return values?.length === 1 ? values[0] : undefined;
}

/**
 * A `node:http` request handler for webhook deliveries (SPEC §6). Checks, in
 * order: method (405), size (413), signature when a secret is set (401), JSON
 * and shape (400); then calls `onBatch` and answers 204 (500 if it fails).
 */
export function createReceiver(options: ReceiverOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new RangeError('createReceiver option maxBodyBytes must be a positive integer');
  }
  if (typeof options.onBatch !== 'function') throw new TypeError('createReceiver option onBatch must be a function');
  // An empty secret would turn checking off without a word (think `process.env.SECRET ?? ''`).
  if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret === '')) {
    throw new TypeError('createReceiver option secret must be a non-empty string when given');
  }
  const secret = options.secret;

  return (req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (req.method !== 'POST') return reply(res, 405, 'only POST is accepted', { Allow: 'POST' });
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) return refuseTooLarge(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        chunks.length = 0;
        return refuseTooLarge(req, res);
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const body = Buffer.concat(chunks, size);
      if (secret !== undefined) {
        const signature = singleHeader(req, SIGNATURE_HEADER.toLowerCase());
        if (!verifySignature(body, secret, signature)) return reply(res, 401, 'invalid or missing signature');
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        return reply(res, 400, 'the body is not valid JSON');
      }
      const problem = payloadProblem(payload);
      if (problem !== undefined) return reply(res, 400, problem);
      const info: BatchInfo = { webhookId: singleHeader(req, 'webhook-id') };
      Promise.resolve()
        .then(() => options.onBatch(payload as WebhookPayload, info))
        .then(
          () => reply(res, 204),
          () => reply(res, 500, 'the batch could not be processed'),
        );
    });
  };
}
