import { createHmac, timingSafeEqual } from 'node:crypto';

/** The prefix of an `X-Hub-Signature-256` header value. */
export const SIGNATURE_PREFIX = 'sha256=';
/** The name of the header that carries the signature. */
export const SIGNATURE_HEADER = 'X-Hub-Signature-256';

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;

/**
 * Signs a body as GitHub and GO Feature Flag do: `sha256=` followed by the 64
 * lowercase hex digits of HMAC-SHA256(secret, body). A string body is taken as UTF-8.
 */
export function sign(body: string | Uint8Array, secret: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * True when `header` is exactly the signature of `body` under `secret`.
 * Compares in constant time; returns false, never throws, on a missing or
 * malformed header, or on a body or secret HMAC cannot take (say a parsed
 * JSON object instead of the raw body, or an unset secret from JavaScript).
 */
export function verifySignature(body: string | Uint8Array, secret: string, header: string | undefined): boolean {
  if (typeof header !== 'string' || !SIGNATURE_FORMAT.test(header)) return false;
  let expected: Buffer;
  try {
    expected = Buffer.from(sign(body, secret), 'latin1');
  } catch {
    return false;
  }
  return timingSafeEqual(expected, Buffer.from(header, 'latin1'));
}
