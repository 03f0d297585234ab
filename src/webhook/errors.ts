import { AxiosError } from 'axios';

/** What a failed webhook call may tell the processor (SPEC §3). */
export interface WebhookErrorDetails {
  /** The HTTP status the endpoint answered, when it answered. */
  status?: number;
  /** What failed below HTTP (`ECONNREFUSED`, `ECONNRESET`, `ERR_CANCELED`, …), or the library's own code. */
  code?: string;
  /** How long the endpoint asked to wait (its `Retry-After`), in ms. */
  retryAfterMs?: number;
}

/**
 * The library's own error for a failed webhook call. It carries the method,
 * the endpoint's origin (no path, query or credentials), the HTTP status and
 * an error code, and never a request config, header or secret: an
 * `AxiosError` is turned into one of these before anything logs or returns it.
 */
export class WebhookError extends Error {
  /** Always `'WebhookError'`. */
  override readonly name = 'WebhookError';
  /** The HTTP method of the failed call: batches are POSTed. */
  readonly method = 'POST';
  /** The HTTP status the endpoint answered, when it answered. */
  readonly status?: number;
  /** What failed below HTTP (`ECONNREFUSED`, `ECONNRESET`, …), when no status came back. */
  readonly code?: string;
  /** How long the endpoint asked to wait (its `Retry-After`), in ms. */
  readonly retryAfterMs?: number;

  constructor(
    /** The endpoint's origin (scheme, host and port): no path, query or credentials. */
    readonly origin: string,
    reason: string,
    details: WebhookErrorDetails = {},
  ) {
    super(`POST ${origin} failed: ${reason}`);
    if (details.status !== undefined) this.status = details.status;
    if (details.code !== undefined) this.code = details.code;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }

  /** A copy that also says how long the endpoint asked us to wait. */
  withRetryAfter(retryAfterMs: number | undefined): WebhookError {
    if (retryAfterMs === undefined) return this;
    const reason = this.message.slice(`POST ${this.origin} failed: `.length);
    return new WebhookError(this.origin, reason, { status: this.status, code: this.code, retryAfterMs });
  }
}

/** A code that says what went wrong below HTTP (ECONNREFUSED, ECONNRESET, ...). */
function networkCode(error: AxiosError): string {
  const cause = error.cause as { code?: unknown } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return error.code ?? 'ERR_NETWORK';
}

/** Turns anything the transport threw into a WebhookError, keeping only safe facts. */
export function toWebhookError(error: unknown, origin: string): WebhookError {
  if (error instanceof WebhookError) return error;
  if (error instanceof AxiosError || (error as { isAxiosError?: unknown })?.isAxiosError === true) {
    const code = networkCode(error as AxiosError);
    return new WebhookError(origin, code === 'ERR_CANCELED' ? 'request aborted' : `network error ${code}`, { code });
  }
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'ERR_UNKNOWN';
  return new WebhookError(origin, `network error ${code}`, { code });
}
