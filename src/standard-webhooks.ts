import { createHmac } from 'node:crypto';

/** The prefix of a Standard Webhooks secret that is the base64 of its key. */
export const STANDARD_SECRET_PREFIX = 'whsec_';
/** Standard Webhooks (https://www.standardwebhooks.com) header of the message id: the batch id, the same on every attempt. */
export const STANDARD_ID_HEADER = 'webhook-id';
/** Standard Webhooks header of the attempt's Unix time in seconds (signed, fresh on every attempt). */
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
/** Standard Webhooks header of the signatures: `v1,<base64>` per secret, space-separated. */
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';

/**
 * The HMAC key of a Standard Webhooks secret: a `whsec_` secret is the base64
 * of its key; any other string is used as its UTF-8 bytes, as the reference
 * libraries do.
 */
export function standardSecretKey(secret: string): Buffer {
  return secret.startsWith(STANDARD_SECRET_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/**
 * One Standard Webhooks signature, `v1,<base64 HMAC-SHA256>` over
 * `<id>.<timestamp>.<body>`; a string body is taken as UTF-8.
 */
export function signStandard(id: string, timestamp: number, body: string | Uint8Array, secret: string): string {
  return (
    'v1,' +
    createHmac('sha256', standardSecretKey(secret)).update(`${id}.${timestamp}.`).update(body).digest('base64')
  );
}

/** The `webhook-signature` header for several secrets (newest first): one `v1,` signature each, space-separated. */
export function signStandardHeader(
  id: string,
  timestamp: number,
  body: string | Uint8Array,
  secrets: readonly string[],
): string {
  return secrets.map((secret) => signStandard(id, timestamp, body, secret)).join(' ');
}
