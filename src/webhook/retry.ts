/** In-call retry policy of the WebhookExporter (SPEC §5). */
import timers from 'node:timers/promises';

/** First in-call retry wait; doubles each attempt. */
export const RETRY_BASE_MS = 1_000;
/** No in-call wait is longer; a Retry-After above it ends the export for the processor to wait. */
export const RETRY_CAP_MS = 5_000;

/** 408, 425, 429 and 5xx are worth trying again; other statuses are not. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * Milliseconds a `Retry-After` header asks for: delay-seconds or an HTTP date.
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter exponential wait before in-call retry number `attempt` (0-based). */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt);
}

/**
 * Waits `ms` on an unref'd timer. Resolves true when the wait ran out, false
 * at once when `signal` aborts: a wait never outlasts its export's deadline.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    // Looked up at call time on the module object, so fake clocks (which patch it) drive it too.
    await timers.setTimeout(ms, undefined, { ref: false, ...(signal && { signal }) });
    return true;
  } catch (error) {
    if (signal?.aborted) return false;
    throw error;
  }
}
