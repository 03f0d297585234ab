import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import axios, { type AxiosInstance, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { GZIP_ENCODING, gzipBody } from './compression.js';
import { WebhookError, toWebhookError } from './errors.js';
import { BYTES_PER_TURN, pacedBody } from './paced-body.js';
import { signatureHeaders } from './signing.js';
import type { Compression, SignatureScheme } from './webhook-options.js';

/** Header carrying the batch id, the same on every attempt of a batch. */
export const WEBHOOK_ID_HEADER = 'webhook-id';
/** Reply bytes read and thrown away before the rest is cut off: the reply is not used. */
const MAX_REPLY_BYTES = 64 * 1024;

export interface TransportOptions {
  endpointUrl: string;
  /** Origin of endpointUrl: the only part of it that errors name. */
  origin: string;
  /** Newest first; absent when unsigned. */
  secrets?: readonly string[];
  signatureScheme: SignatureScheme;
  compression?: Compression;
  headers: Readonly<Record<string, string | string[]>>;
  /** Total deadline of one attempt, in milliseconds. */
  timeout: number;
  userAgent: string;
}

/** What one attempt got back. */
export interface TransportResponse {
  status: number;
  retryAfter?: string;
}

interface WebhookRequestConfig extends InternalAxiosRequestConfig {
  webhookId?: string;
  /** This attempt's signature headers, computed before it (over the exact bytes sent). */
  signature?: Record<string, string>;
}

/** A body as the chunks it was formed in: sent and signed without joining them into one buffer. */
export interface WireBody {
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
}

const keepBody = <T>(data: T): T => data;

/** Reads and discards a reply, at most MAX_REPLY_BYTES of it, so the socket can be reused. */
function discardReply(reply: Readable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const finish = (error?: Error): void => {
      reply.off('data', onData).off('end', onEnd).off('error', finish).off('close', onEnd);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onEnd = (): void => finish();
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > MAX_REPLY_BYTES) {
        reply.destroy();
        finish();
      }
    };
    const onAbort = (): void => {
      reply.destroy();
      finish(new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    reply.on('data', onData).once('end', onEnd).once('error', finish).once('close', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One axios instance with keep-alive agents that POSTs a pre-serialized body.
 * Request interceptors add the configured headers, Content-Type, User-Agent,
 * webhook-id and the signature of the exact bytes sent. Redirects are never
 * followed; every HTTP status resolves, so the caller classifies it.
 */
export class WebhookTransport {
  private readonly client: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  /** Compressed bodies by the body they came from: in-call retries reuse the same bytes. */
  private readonly compressed = new WeakMap<WireBody, Promise<Buffer>>();

  constructor(private readonly options: TransportOptions) {
    this.client = axios.create({
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: 'stream',
      decompress: false,
      // The Buffer is sent as it is: axios' JSON transforms would rewrite it.
      transformRequest: [keepBody],
      transformResponse: [keepBody],
      // Node's http adapter, picked once instead of per request; -1 lengths skip axios' own
      // size checks (and the stream it wraps a reply in for them): discardReply caps the reply.
      adapter: 'http',
      maxBodyLength: -1,
      maxContentLength: -1,
      timeout: options.timeout,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
    });
    const synchronous = { synchronous: true };
    this.client.interceptors.request.use((config) => this.addHeaders(config), null, synchronous);
    this.client.interceptors.request.use((config) => this.addSignature(config), null, synchronous);
  }

  /**
   * Sends one attempt within `options.timeout` (a total deadline, not axios'
   * idle timeout) or until `signal` aborts. Rejects with a WebhookError for
   * anything below HTTP: refused, reset, timed out, aborted.
   */
  async post(body: WireBody, webhookId: string, signal?: AbortSignal): Promise<TransportResponse> {
    const attempt = new AbortController();
    const onAbort = (): void => attempt.abort();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, this.options.timeout);
    timer.unref();
    if (signal?.aborted) attempt.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const wire = await this.wireBody(body);
      const wireLength = wire.reduce((sum, chunk) => sum + chunk.length, 0);
      // Signed per attempt, so each gets a fresh webhook-timestamp; in slices, off the interceptor.
      const signature = await signatureHeaders(this.options.signatureScheme, this.options.secrets, {
        body: wire,
        webhookId,
        now: Date.now(),
      });
      // A large body is streamed chunk by chunk, never copied into one buffer or written in one go;
      // a small one costs less as one buffer than as a stream.
      const data = wire.length === 1 ? wire[0] : wireLength <= BYTES_PER_TURN ? Buffer.concat(wire, wireLength) : pacedBody(wire);
      const config = { signal: attempt.signal, webhookId, signature, headers: { 'Content-Length': String(wireLength) } } as AxiosRequestConfig;
      // Our own POST must not show up in the host's traces (its HTTP instrumentation checks this context).
      const response = await context.with(suppressTracing(context.active()), () =>
        this.client.post<Readable>(this.options.endpointUrl, data, config),
      );
      await discardReply(response.data, attempt.signal);
      const retryAfter = response.headers['retry-after'];
      return typeof retryAfter === 'string' ? { status: response.status, retryAfter } : { status: response.status };
    } catch (error) {
      if (timedOut) {
        throw new WebhookError(this.options.origin, `no complete answer within ${this.options.timeout} ms`, {
          code: 'ETIMEDOUT',
        });
      }
      if (attempt.signal.aborted) throw new WebhookError(this.options.origin, 'request aborted', { code: 'ABORT_ERR' });
      throw toWebhookError(error, this.options.origin);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The bytes on the wire: the body's chunks, or its gzip, compressed once per body. */
  private async wireBody(body: WireBody): Promise<readonly Uint8Array[]> {
    if (this.options.compression === undefined) return body.chunks;
    let wire = this.compressed.get(body);
    if (wire === undefined) {
      wire = gzipBody(body.chunks);
      this.compressed.set(body, wire);
    }
    return [await wire];
  }

  /** Never shows the secret or header values it holds. */
  [inspect.custom](): string {
    return `WebhookTransport { endpoint: '${this.options.origin}' }`;
  }

  toJSON(): { endpoint: string } {
    return { endpoint: this.options.origin };
  }

  /** Closes the keep-alive sockets. */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private addHeaders(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const { headers } = config;
    headers.set('Content-Type', 'application/json');
    if (this.options.compression !== undefined) headers.set('Content-Encoding', GZIP_ENCODING);
    headers.set('User-Agent', this.options.userAgent);
    for (const [name, value] of Object.entries(this.options.headers)) headers.set(name, value);
    const webhookId = (config as WebhookRequestConfig).webhookId;
    if (webhookId !== undefined) headers.set(WEBHOOK_ID_HEADER, webhookId);
    return config;
  }

  /** Adds this attempt's signature headers, computed over the exact bytes axios sends. */
  private addSignature(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
    const signed = (config as WebhookRequestConfig).signature ?? {};
    for (const [name, value] of Object.entries(signed)) config.headers.set(name, value);
    return config;
  }
}
