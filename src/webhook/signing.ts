import { SIGNATURE_HEADER, sign } from '../signature.js';
import { STANDARD_SIGNATURE_HEADER, STANDARD_TIMESTAMP_HEADER, signStandardHeader } from '../standard-webhooks.js';
import type { SignatureScheme } from './webhook-options.js';

/** What signing one attempt needs: the exact bytes sent, the batch id and the attempt's clock. */
export interface SigningInput {
  body: Uint8Array;
  webhookId: string;
  /** Milliseconds since the epoch at this attempt; Standard Webhooks sends it in whole seconds. */
  now: number;
}

/**
 * The signature headers of one attempt (SPEC §9). GitHub style signs the body
 * with the first (newest) secret, as given; Standard Webhooks signs
 * `<id>.<timestamp>.<body>` once per secret, and sends a timestamp even
 * unsigned so a receiver can still bound replays by time.
 */
export function signatureHeaders(
  scheme: SignatureScheme,
  secrets: readonly string[] | undefined,
  input: SigningInput,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (scheme !== 'github') {
    const timestamp = Math.floor(input.now / 1000);
    headers[STANDARD_TIMESTAMP_HEADER] = String(timestamp);
    if (secrets !== undefined) {
      headers[STANDARD_SIGNATURE_HEADER] = signStandardHeader(input.webhookId, timestamp, input.body, secrets);
    }
  }
  if (scheme !== 'standard' && secrets !== undefined) {
    headers[SIGNATURE_HEADER] = sign(input.body, secrets[0] as string);
  }
  return headers;
}
