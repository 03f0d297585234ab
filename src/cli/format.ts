/** Small formatting helpers for progress lines and summaries. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345" (used on the progress line; summaries print plain digits so they parse). */
export function count(n: number): string {
  return integer.format(n);
}

/** "1 batch", "2 batches". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Events per second over `ms` milliseconds, as a whole number. */
export function rate(events: number, ms: number): number {
  return ms <= 0 ? 0 : Math.round((events * 1000) / ms);
}

/** A URL for a host and port, bracketing IPv6 literals. */
export function hostUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

interface ErrorLike {
  message?: unknown;
  status?: unknown;
  code?: unknown;
}

/** "message (status 503)" / "message (ECONNREFUSED)": the library's errors carry no secrets (SPEC §5). */
export function describeError(error: unknown): string {
  const { message, status, code } = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  const details = [
    status === undefined || text.includes(String(status)) ? undefined : `status ${String(status)}`,
    typeof code === 'string' && !text.includes(code) ? code : undefined,
  ].filter((part): part is string => part !== undefined);
  return details.length === 0 ? text : `${text} (${details.join(', ')})`;
}
