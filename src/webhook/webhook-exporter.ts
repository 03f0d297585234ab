import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ExportableEvent } from '../events.js';
import type { EncodedEvents, EventExporter, ExportOptions } from '../exporter.js';
import { BODY_SUFFIX, bodyPrefix, serializeBatch } from '../serialize.js';
import { VERSION } from '../version.js';
import { WebhookError } from './errors.js';
import { RETRY_CAP_MS, isTransientStatus, parseRetryAfter, retryDelay, sleep } from './retry.js';
import { WebhookTransport, type WireBody } from './transport.js';
import { resolveWebhookOptions, type ResolvedWebhookOptions, type WebhookExporterOptions } from './webhook-options.js';

const BODY_SUFFIX_BYTES = Buffer.from(BODY_SUFFIX.slice(1), 'utf8');

/**
 * Sends each batch as one signed POST of `{"meta":{...},"events":[...]}`, as
 * GO Feature Flag's webhook exporter does, retrying transient failures within
 * the call (SPEC §5). `export` never throws; its callback gets a
 * `WebhookError` carrying `status` and `retryAfterMs` when it fails.
 */
export class WebhookExporter implements EventExporter<ExportableEvent> {
  private readonly options: ResolvedWebhookOptions;
  private readonly transport: WebhookTransport;
  private readonly inFlight = new Set<Promise<void>>();
  /** `{"meta":...,"events":` as bytes: the same for every body. */
  private readonly prefix: Buffer;
  private isShutdown = false;

  constructor(options: WebhookExporterOptions) {
    this.options = resolveWebhookOptions(options);
    this.transport = new WebhookTransport({
      endpointUrl: this.options.endpointUrl,
      origin: this.options.origin,
      headers: this.options.headers,
      timeout: this.options.timeout,
      signatureScheme: this.options.signatureScheme,
      ...(this.options.secrets && { secrets: this.options.secrets }),
      ...(this.options.compression && { compression: this.options.compression }),
      userAgent: `ff-webhook-exporter/${VERSION}`,
    });
    const prefix = bodyPrefix(this.options.meta);
    this.prefix = Buffer.from(prefix.slice(0, -1), 'utf8');
  }

  export(batch: ExportableEvent[], resultCallback: (result: ExportResult) => void, options?: ExportOptions): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('WebhookExporter is shut down') });
      return;
    }
    const report = (result: ExportResult): void => {
      try {
        resultCallback(result);
      } catch (error) {
        diag.error(`ff-webhook-exporter: an export result callback threw: ${(error as Error)?.message}`);
      }
    };
    const call = this.send(batch, options).then(report, (error: unknown) =>
      report({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }

  /** Resolves once every export already started has ended. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  /** Lets started exports end, then closes the keep-alive sockets; later exports fail at once. */
  async shutdown(): Promise<void> {
    this.isShutdown = true;
    await this.forceFlush();
    this.transport.destroy();
  }

  /** What `console.log(exporter)` and `JSON.stringify` show: never the secret or header values. */
  [inspect.custom](): string {
    return `WebhookExporter { endpoint: '${this.options.origin}', signed: ${this.options.secrets !== undefined} }`;
  }

  toJSON(): { endpoint: string; signed: boolean } {
    return { endpoint: this.options.origin, signed: this.options.secrets !== undefined };
  }

  /** The body: the processor's bytes for this batch when it sent them (never joined), else the batch encoded here. */
  private body(batch: ExportableEvent[], encoded: EncodedEvents | undefined): WireBody {
    if (encoded !== undefined) {
      return { chunks: [this.prefix, ...encoded.chunks, BODY_SUFFIX_BYTES], byteLength: this.prefix.length + encoded.byteLength + 1 };
    }
    const { body, invalid } = serializeBatch(this.options.meta, batch);
    if (invalid > 0) diag.warn(`ff-webhook-exporter: left ${invalid} invalid event(s) out of the batch`);
    return { chunks: [body], byteLength: body.length };
  }

  private async send(batch: ExportableEvent[], options: ExportOptions | undefined): Promise<ExportResult> {
    const signal = options?.signal;
    const body = this.body(batch, options?.encoded);
    // A processor's batch keeps its id at every flush; used alone, each call is a batch.
    const id = options?.batchId ?? randomUUID();
    const origin = this.options.origin;
    let lastRetryAfter: number | undefined;
    for (let attempt = 0; ; attempt++) {
      let failure: WebhookError;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.transport.post(body, id, signal);
        if (response.status >= 200 && response.status < 300) return { code: ExportResultCode.SUCCESS };
        const status = response.status;
        failure = new WebhookError(origin, `HTTP ${status}`, { status });
        if (!isTransientStatus(status)) return { code: ExportResultCode.FAILED, error: failure };
        retryAfterMs = parseRetryAfter(response.retryAfter);
        lastRetryAfter = retryAfterMs ?? lastRetryAfter;
      } catch (error) {
        failure = error as WebhookError;
        if (signal?.aborted) return { code: ExportResultCode.FAILED, error: failure };
      }
      if (attempt >= this.options.maxRetries) {
        return { code: ExportResultCode.FAILED, error: failure.withRetryAfter(lastRetryAfter) };
      }
      if (retryAfterMs !== undefined && retryAfterMs > RETRY_CAP_MS) {
        return { code: ExportResultCode.FAILED, error: failure.withRetryAfter(retryAfterMs) };
      }
      diag.debug(`ff-webhook-exporter: ${failure.message}; retrying (attempt ${attempt + 2})`);
      if (!(await sleep(retryAfterMs ?? retryDelay(attempt), signal))) {
        return { code: ExportResultCode.FAILED, error: failure };
      }
    }
  }
}

export type { WebhookExporterOptions } from './webhook-options.js';
